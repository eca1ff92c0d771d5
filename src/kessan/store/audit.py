"""The audit trail: who did what to a book, and when. Each write records its event in the
same transaction as the write itself, so a write without its event (or an event without its
write) cannot be committed; the table is append-only in the database (migration 0005)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa

from . import schema as s

KINDS = ("load", "post", "close", "reverse", "period", "publish", "draft", "approve", "reject")  # the last three: 承認フロー


class Event(NamedTuple):
    """What a write records: its kind, a sentence saying what it did, its actor."""

    actor: str
    kind: str
    detail: str


class Recorded(NamedTuple):
    id: int
    at: dt.datetime
    actor: str
    kind: str
    detail: str
    first_entry: int | None
    last_entry: int | None


def record(conn: sa.Connection, book_id: int, event: Event, entries: range | None = None) -> None:
    """Append ``event`` for the entries numbered ``entries`` (if it posted any), now."""
    if event.kind not in KINDS:
        raise ValueError(f"unknown audit event kind {event.kind!r}")
    first, last = (entries.start, entries.stop - 1) if entries else (None, None)
    conn.execute(s.audit_event.insert().values(book_id=book_id, at=dt.datetime.now(dt.UTC), actor=event.actor,
                                               kind=event.kind, detail=event.detail, first_entry=first, last_entry=last))


def events(conn: sa.Connection, book_id: int, *, since: dt.datetime | None = None, actor: str | None = None,
           kind: str | None = None) -> list[Recorded]:
    """The recorded events of a book, oldest first, filtered by time, actor and kind."""
    t = s.audit_event
    q = sa.select(t.c.id, t.c.at, t.c.actor, t.c.kind, t.c.detail, t.c.first_entry, t.c.last_entry).where(
        t.c.book_id == book_id)
    if since is not None:
        q = q.where(t.c.at >= since)
    if actor is not None:
        q = q.where(t.c.actor == actor)
    if kind is not None:
        q = q.where(t.c.kind == kind)
    return [Recorded(*row) for row in conn.execute(q.order_by(t.c.id))]

"""Drafts (承認フロー): entries entered and waiting for approval, and their decisions.

A draft and its lines are written once; its state is the newest of its events (pending when
submitted, then approved or rejected), all append-only in the database (migration
0006_drafts), where a unique index lets a draft be decided only once. An approval posts the
entry through repo.post_entries_in in the same transaction as its decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from ..ledger.errors import LedgerViolation
from ..ledger.records import Draft, DraftEntry, DraftEvent, DraftLine
from . import schema as s

D, L, V = s.draft, s.draft_line, s.draft_event


@contextmanager
def deciding(engine: sa.Engine, book_code: str) -> Iterator[tuple[sa.Connection, int]]:
    """A transaction that holds the book's write lock from its first statement, so a decision
    reads the draft's state after any other decision has committed (two approvers at once:
    the second finds it decided). SQLite: BEGIN IMMEDIATE; PostgreSQL: the book row FOR UPDATE."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.begin()
        try:
            book_id: int | None = conn.execute(sa.select(s.book.c.id).where(s.book.c.code == book_code)
                                               .with_for_update()).scalar()
            if book_id is None:
                raise LedgerViolation(f"no book {book_code!r} in this database")
            yield conn, book_id
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def insert(conn: sa.Connection, book_id: int, drafts: Iterable[tuple[DraftEntry, str]], actor: str) -> list[int]:
    """Write drafts (each with its source: the form, or file and line) as pending; their ids."""
    now = dt.datetime.now(dt.UTC)
    ids = []
    for entry, source in drafts:
        draft_id = conn.execute(D.insert().values(book_id=book_id, entry_code=entry.entry_id, date=entry.date,
                                                  kind=entry.kind, memo=entry.memo, source=source)
                                .returning(D.c.id)).scalar_one()
        conn.execute(L.insert(), [{"draft_id": draft_id, "line_no": i, "segment": ln.segment, "account": ln.account,
                                   "amount": ln.amount, "flow": ln.flow, "partner": ln.partner}
                                  for i, ln in enumerate(entry.lines, 1)])
        conn.execute(V.insert().values(draft_id=draft_id, at=now, actor=actor, status="pending", reason=""))
        ids.append(draft_id)
    return ids


def decide(conn: sa.Connection, draft_id: int, *, actor: str, status: str, reason: str,
           entry_no: int | None = None) -> None:
    """Record an approval or a rejection (the database refuses a second decision)."""
    conn.execute(V.insert().values(draft_id=draft_id, at=dt.datetime.now(dt.UTC), actor=actor, status=status,
                                   reason=reason, entry_no=entry_no))


def _status() -> sa.ScalarSelect[str]:
    """A draft's state in SQL: its decision if it has one, else pending."""
    decided = V.alias("decided")
    return (sa.select(decided.c.status).where(decided.c.draft_id == D.c.id, decided.c.status != "pending")
            .limit(1).scalar_subquery())


def read(conn: sa.Connection, book_id: int, *, status: str | None = None, draft_id: int | None = None) -> list[Draft]:
    """Drafts of a book, oldest first: those in ``status`` (any if None), or the one ``draft_id``."""
    state = sa.func.coalesce(_status(), "pending")
    q = sa.select(D, state.label("status")).where(D.c.book_id == book_id)
    if status is not None:
        q = q.where(state == status)
    if draft_id is not None:
        q = q.where(D.c.id == draft_id)
    heads = conn.execute(q.order_by(D.c.id)).all()
    if not heads:
        return []
    ids = [h.id for h in heads]
    lines: dict[int, list[DraftLine]] = {i: [] for i in ids}
    for r in conn.execute(sa.select(L).where(L.c.draft_id.in_(ids)).order_by(L.c.draft_id, L.c.line_no)):
        lines[r.draft_id].append(DraftLine(r.account, r.segment, int(r.amount), r.flow, r.partner))
    events: dict[int, list[DraftEvent]] = {i: [] for i in ids}
    posted: dict[int, str] = {}
    for r in conn.execute(sa.select(V.c.draft_id, V.c.at, V.c.actor, V.c.status, V.c.reason, s.entry.c.code)
                          .select_from(V.outerjoin(s.entry, sa.and_(s.entry.c.book_id == book_id,
                                                                     s.entry.c.entry_no == V.c.entry_no)))
                          .where(V.c.draft_id.in_(ids)).order_by(V.c.id)):
        events[r.draft_id].append(DraftEvent(r.at, r.actor, r.status, r.reason))
        if r.code is not None:
            posted[r.draft_id] = r.code
    out = []
    for h in heads:
        entry = DraftEntry(h.date, h.memo, tuple(lines[h.id]), h.entry_code, h.kind)
        first = events[h.id][0]
        out.append(Draft(h.id, entry, h.status, first.actor, first.at, tuple(events[h.id]), posted.get(h.id), h.source))
    return out


def taken(conn: sa.Connection, book_id: int, codes: list[str]) -> dict[str, str]:
    """Which of ``codes`` are already used: by a posted entry, or by a draft not rejected."""
    if not codes:
        return {}
    posted = conn.execute(sa.select(s.entry.c.code).where(s.entry.c.book_id == book_id, s.entry.c.code.in_(codes)))
    out = dict.fromkeys(posted.scalars(), "a posted entry")
    state = sa.func.coalesce(_status(), "pending")
    for code, draft_id in conn.execute(sa.select(D.c.entry_code, D.c.id).where(
            D.c.book_id == book_id, D.c.entry_code.in_(codes), state != "rejected")):
        out.setdefault(code, f"draft {draft_id}")
    return out

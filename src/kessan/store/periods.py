"""Period states of a fiscal year: OPEN → ADJUSTING (決算整理: closing entries only) → CLOSED.

Changing a state is recorded in ``period_event`` (append-only). Reopening a CLOSED year is
allowed only explicitly, with a reason, and goes back to ADJUSTING. The database itself
refuses entries into a CLOSED year (migration 0003), whatever program inserts them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..ledger.errors import LedgerViolation
from . import audit, chain, repo
from . import schema as s

TRANSITIONS = {
    ("OPEN", "ADJUSTING"): "adjust",
    ("ADJUSTING", "CLOSED"): "close",
    ("ADJUSTING", "OPEN"): "reopen",
    ("CLOSED", "ADJUSTING"): "reopen",
}


def set_state(engine: sa.Engine, book_code: str, year: int, to_state: str, reason: str, *, actor: str) -> str:
    """Move ``year`` to ``to_state``; return the previous state. Raises LedgerViolation.

    The period event is written first: the database lets a fiscal year take only the state its
    newest event records (migration 0005). The change is recorded in the audit trail too."""
    with engine.begin() as conn:
        book_id = repo.book_id(conn, book_code)
        q = sa.select(s.fiscal_year.c.state).where(s.fiscal_year.c.book_id == book_id, s.fiscal_year.c.year == year)
        if conn.dialect.name == "postgresql":
            q = q.with_for_update()
        current: str | None = conn.execute(q).scalar()
        if current is None:
            raise LedgerViolation(f"book {book_code!r} has no fiscal year {year}")
        action = TRANSITIONS.get((current, to_state))
        if action is None:
            raise LedgerViolation(f"fiscal year {year} is {current}; it cannot go to {to_state} "
                                  f"(allowed: {', '.join(f'{a}→{b}' for a, b in TRANSITIONS)})")
        if action == "reopen" and not reason.strip():
            raise LedgerViolation("reopening a fiscal year needs a reason (--reason)")
        at = dt.datetime.now(dt.UTC)
        event_id = conn.execute(s.period_event.insert().values(
            book_id=book_id, year=year, from_state=current, to_state=to_state, reason=reason, at=at)
            .returning(s.period_event.c.id)).scalar_one()
        # closing a year seals the entry chain's head into its event: what the year holds is fixed
        seal = repo.chain_head(conn, book_id) if to_state == "CLOSED" else ""
        previous = period_head(conn, book_id)
        conn.execute(s.period_link.insert().values(event_id=event_id, book_id=book_id, seal=seal, link=chain.event_link(
            previous, year, current, to_state, reason=reason, at=at, seal=seal)))
        conn.execute(s.fiscal_year.update().where(s.fiscal_year.c.book_id == book_id, s.fiscal_year.c.year == year)
                     .values(state=to_state))
        detail = f"{year}: {current} → {to_state}" + (f" ({reason})" if reason else "") + (
            f"; sealed the ledger at {seal[:16]}…" if seal else "")
        audit.record(conn, book_id, audit.Event(actor, "period", detail))
        return current


def period_head(conn: sa.Connection, book_id: int) -> str:
    """The newest link of a book's period-event chain (the genesis link before its first event)."""
    head: str | None = conn.execute(sa.select(s.period_link.c.link).where(s.period_link.c.book_id == book_id)
                                    .order_by(s.period_link.c.event_id.desc()).limit(1)).scalar()
    return head or chain.GENESIS


def history(engine: sa.Engine, book_code: str) -> list[tuple[int, str, str, str, dt.datetime]]:
    """(year, from state, to state, reason, when) of every period change, oldest first."""
    with engine.connect() as conn:
        book_id = repo.book_id(conn, book_code)
        return [(r.year, r.from_state, r.to_state, r.reason, r.at) for r in conn.execute(
            sa.select(s.period_event.c.year, s.period_event.c.from_state, s.period_event.c.to_state,
                      s.period_event.c.reason, s.period_event.c.at)
            .where(s.period_event.c.book_id == book_id).order_by(s.period_event.c.id))]

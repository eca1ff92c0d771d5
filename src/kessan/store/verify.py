"""Queries that re-verify what is stored (``kessan check``, C-5 and C-6 in checks.py).

They return plain results; checks.py turns them into CheckResults and builds no SQL.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from . import chain
from . import schema as s
from .repo import book_id

UNBALANCED = """
SELECT e.code, p.segment_id, SUM(p.amount)
FROM posting p JOIN entry e ON e.book_id = p.book_id AND e.entry_no = p.entry_no
WHERE p.book_id = :book
GROUP BY e.code, p.segment_id
HAVING SUM(p.amount) <> 0
"""

REAGGREGATE = """
SELECT fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, SUM(amount)
FROM posting WHERE book_id = :book
GROUP BY fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id
"""

STORED = """
SELECT fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, amount
FROM balance WHERE book_id = :book
"""


class Unbalanced(NamedTuple):
    """An entry whose postings do not sum to zero within one segment."""

    entry: str  # the entry's code
    segment_id: int
    amount: int


# (fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id): one row of the aggregate
BalanceKey = tuple[int, int, str, int, int, int, int]


class AggregateDifferences(NamedTuple):
    stored_rows: int  # non-zero rows of the balance aggregate
    differing: list[BalanceKey]  # balance keys whose stored sum differs from the postings' sum


def entry_count(conn: sa.Connection, book_code: str) -> int:
    count: int = conn.execute(sa.text("SELECT COUNT(*) FROM entry WHERE book_id = :b"),
                              {"b": book_id(conn, book_code)}).scalar_one()
    return count


def unbalanced_entries(conn: sa.Connection, book_code: str) -> list[Unbalanced]:
    """Every (entry, segment) whose postings do not sum to zero (E-1, E-2)."""
    rows = conn.execute(sa.text(UNBALANCED), {"book": book_id(conn, book_code)}).all()
    return [Unbalanced(r[0], r[1], int(r[2])) for r in rows]


def aggregate_differences(conn: sa.Connection, book_code: str) -> AggregateDifferences:
    """The stored balance aggregate against a fresh aggregation of the postings."""
    book = book_id(conn, book_code)
    fresh: dict[BalanceKey, int] = {(y, p, k, sg, a, f, pt): int(v) for y, p, k, sg, a, f, pt, v
                                    in conn.execute(sa.text(REAGGREGATE), {"book": book})}
    stored: dict[BalanceKey, int] = {(y, p, k, sg, a, f, pt): int(v) for y, p, k, sg, a, f, pt, v
                                     in conn.execute(sa.text(STORED), {"book": book})}
    stored = {k: v for k, v in stored.items() if v}
    fresh = {k: v for k, v in fresh.items() if v}
    diff = [k for k in set(fresh) | set(stored) if fresh.get(k) != stored.get(k)]
    return AggregateDifferences(len(stored), diff)


# ---------------------------------------------------------------- tamper evidence (kessan verify)


class Finding(NamedTuple):
    """One thing verify checked: what, whether it holds, and where it first does not."""

    name: str
    ok: bool
    detail: str


ENTRIES_OF_LINK = ("SELECT entry_no, code, date, kind, memo, reverses FROM entry "
                   "WHERE book_id = {p} AND entry_no BETWEEN {p} AND {p} ORDER BY entry_no")
POSTINGS_OF_LINK = ("SELECT entry_no, line_no, segment_id, account_id, flow_id, partner_id, amount FROM posting "
                    "WHERE book_id = {p} AND entry_no BETWEEN {p} AND {p} ORDER BY entry_no, line_no")


def entry_chain(conn: sa.Connection, book_code: str) -> Finding:
    """Recompute the entry chain link by link; name the first link whose entries changed.

    Millions of postings are read through the driver's own cursor as plain tuples (no
    SQLAlchemy rows): verification reads every posting once, and that is most of its time."""
    book = book_id(conn, book_code)
    mark = "?" if conn.dialect.name == "sqlite" else "%s"
    entries_sql, postings_sql = ENTRIES_OF_LINK.format(p=mark), POSTINGS_OF_LINK.format(p=mark)
    previous, expected_first, links = chain.GENESIS, 1, 0
    # the DB-API cursor itself: SQLAlchemy's result rows would cost a third of the time
    cursor = conn.connection.cursor()
    for first, last, stored in conn.execute(
            sa.select(s.chain_link.c.first_entry, s.chain_link.c.last_entry, s.chain_link.c.link)
            .where(s.chain_link.c.book_id == book).order_by(s.chain_link.c.id)).all():
        links += 1
        if first != expected_first:
            return Finding("hash chain of the entries", False,
                           f"link {links} covers entries {first}–{last}, but entry {expected_first} was expected next")
        cursor.execute(entries_sql, (book, first, last))
        entries = cursor.fetchall()
        cursor.execute(postings_sql, (book, first, last))
        postings = cursor.fetchall()
        recomputed = chain.link(previous, *chain.from_rows(entries, postings))
        if recomputed != stored or len(entries) != last - first + 1:
            codes = f"{entries[0][1]}…{entries[-1][1]}" if entries else "none left"
            return Finding("hash chain of the entries", False,
                           f"link {links} (entries {first}–{last}, {codes}) is broken: they were changed after posting")
        previous, expected_first = stored, last + 1
    stray = conn.execute(sa.select(sa.func.count()).select_from(s.entry)
                         .where(s.entry.c.book_id == book, s.entry.c.entry_no >= expected_first)).scalar_one()
    if stray:
        return Finding("hash chain of the entries", False,
                       f"{stray} entr{'y' if stray == 1 else 'ies'} from entry {expected_first} on are in no link: "
                       "written around kessan")
    return Finding("hash chain of the entries", True, f"{links} links, {expected_first - 1:,} entries")


def period_chain(conn: sa.Connection, book_code: str) -> list[Finding]:
    """Recompute the period-event chain; the states must be those the newest events record;
    a CLOSED year's entries must all lie within the chain its closing sealed."""
    book = book_id(conn, book_code)
    ev, ln = s.period_event.c, s.period_link.c
    rows = conn.execute(sa.select(ev.id, ev.year, ev.from_state, ev.to_state, ev.reason, ev.at, ln.seal, ln.link)
                        .join_from(s.period_event, s.period_link, ln.event_id == ev.id, isouter=True)
                        .where(ev.book_id == book).order_by(ev.id)).all()
    out: list[Finding] = []
    previous, broken = chain.GENESIS, ""
    for n, (_, year, before, after, reason, at, seal, stored) in enumerate(rows, 1):
        if stored is None or chain.event_link(previous, year, before, after, reason=reason, at=at, seal=seal or "") != stored:
            broken = f"period event {n} ({year}: {before} → {after}) was changed or written around kessan"
            break
        previous = stored
    audited = conn.execute(sa.select(sa.func.count()).select_from(s.audit_event).where(
        s.audit_event.c.book_id == book, s.audit_event.c.kind == "period")).scalar_one()
    if not broken and audited != len(rows):
        broken = f"{len(rows)} period events, but the audit trail records {audited} period changes"
    out.append(Finding("hash chain of the period events", not broken, broken or f"{len(rows)} events"))
    newest = {year: (after, seal) for _, year, _, after, _, _, seal, _ in rows}
    wrong, unsealed = [], []
    for year, state in conn.execute(sa.select(s.fiscal_year.c.year, s.fiscal_year.c.state)
                                    .where(s.fiscal_year.c.book_id == book)):
        if year in newest and newest[year][0] != state:
            wrong.append(f"{year} is {state}, its newest period event says {newest[year][0]}")
        if state == "CLOSED" and year in newest and newest[year][1]:
            sealed_to = conn.execute(sa.select(s.chain_link.c.last_entry).where(
                s.chain_link.c.book_id == book, s.chain_link.c.link == newest[year][1])).scalar()
            later = conn.execute(sa.select(sa.func.count()).select_from(s.entry).where(
                s.entry.c.book_id == book, s.entry.c.fiscal_year == year,
                s.entry.c.entry_no > (sealed_to if sealed_to is not None else -1))).scalar_one()
            if sealed_to is None or later:
                unsealed.append(f"{year}: {later} entries posted after its closing sealed the ledger")
    out.append(Finding("period states are those their events record", not wrong, "; ".join(wrong) or "all agree"))
    out.append(Finding("closed years hold only what their closing sealed", not unsealed,
                       "; ".join(unsealed) or "nothing posted into a closed year"))
    return out

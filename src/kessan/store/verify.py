"""Queries that re-verify what is stored (``kessan check``, C-5 and C-6 in checks.py).

They return plain results; checks.py turns them into CheckResults and builds no SQL.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

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

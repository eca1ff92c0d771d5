"""Reading a fiscal year's entries back whole, in posting order (for exports)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from ..ledger.model import Entry, Posting
from . import schema as s
from .repo import book_id, book_ids


def year_entries(conn: sa.Connection, book_code: str, year: int) -> list[Entry]:
    """Every entry of fiscal year ``year`` with its postings, in posting order, in one query."""
    ids = book_ids(conn, book_id(conn, book_code))
    seg = {v: k for k, v in ids.segments.items()}
    acc = {v: k for k, v in ids.accounts.items()}
    flw = {v: k for k, v in ids.flows.items()}
    e, p = s.entry, s.posting
    rows = conn.execute(
        sa.select(e.c.entry_no, e.c.code, e.c.date, e.c.kind, e.c.memo, e.c.source_line,
                  p.c.segment_id, p.c.account_id, p.c.amount, p.c.flow_id, p.c.partner_id)
        .join(p, sa.and_(p.c.book_id == e.c.book_id, p.c.entry_no == e.c.entry_no))
        .where(e.c.book_id == ids.book_id, e.c.fiscal_year == year)
        .order_by(e.c.entry_no, p.c.line_no))
    heads: dict[int, tuple[str, dt.date, str, str, int | None]] = {}
    postings: dict[int, list[Posting]] = {}
    for r in rows:
        heads.setdefault(r.entry_no, (r.code, r.date, r.kind, r.memo, r.source_line))
        postings.setdefault(r.entry_no, []).append(
            Posting(seg[r.segment_id], acc[r.account_id], int(r.amount), flw.get(r.flow_id), seg.get(r.partner_id)))
    return [Entry(code, date, kind, memo, tuple(postings[no]), line) for no, (code, date, kind, memo, line) in heads.items()]

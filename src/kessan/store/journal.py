"""Reading the journal posting by posting: the postings behind a figure (drill-down), a journal
search, one entry with its reversals, audit events and hash link.

Everything is SQL: a page is LIMIT/OFFSET, the count and the total are aggregates over every
matching posting. The basis of a figure (closing, opening, movement, next year's
appropriation) selects postings exactly as the cube query (repo.CUBE) sums them, and the
view exactly as statements.engine.StatementSet._in_view does: a segment (all its postings),
相殺等 (postings with a partner), 合計 (postings without one).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from ..ledger.records import AuditEntry, EntryDetail, PostingRow
from . import repo
from . import schema as s

P, E = s.posting, s.entry


class PostingFilter(NamedTuple):
    """Which postings: every given field narrows (AND). ``weights``: the factor each account's
    postings count with in ``amount`` and the total (drill-down: the line's sign × the account's
    normal sign); an account without one counts as stored."""

    accounts: tuple[str, ...] | None = None
    flows: tuple[str, ...] | None = None  # None: any flow (or none)
    exclude_flows: tuple[str, ...] = ()
    segment: str | None = None
    partners: str = "any"  # any | none (合計) | only (相殺等)
    year: int | None = None
    basis: str | None = None  # closing | opening | movement | next_appropriation (with ``year``)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: int | None = None  # on the magnitude of the stored amount
    amount_max: int | None = None
    memo: str | None = None
    weights: tuple[tuple[str, int], ...] = ()


class _EntryFirst(sa.sql.expression.Join):
    """entry JOIN posting, read entry by entry: on SQLite a CROSS JOIN, the one way to fix its
    join order. A search then walks the entries in date order (ix_entry_date) and stops when
    its page is full, instead of sorting every posting; PostgreSQL plans it from statistics."""

    inherit_cache = True


@compiles(_EntryFirst, "sqlite")
def _cross_join(join: _EntryFirst, compiler: SQLCompiler, **kw: Any) -> str:
    text: str = compiler.visit_join(join, **kw)  # type: ignore[no-untyped-call]
    return text.replace(" JOIN ", " CROSS JOIN ", 1)


def _entries_then_postings() -> _EntryFirst:
    return _EntryFirst(E, P, sa.and_(P.c.book_id == E.c.book_id, P.c.entry_no == E.c.entry_no))


class _Codes(NamedTuple):
    ids: repo.Ids
    accounts: dict[int, tuple[str, str]]  # id → (code, name)
    segments: dict[int, tuple[str, str]]
    flows: dict[int, str]


def _codes(conn: sa.Connection, book_code: str) -> _Codes:
    bid = repo.book_id(conn, book_code)
    ids = repo.book_ids(conn, bid)
    accounts = {r.id: (r.code, r.name) for r in conn.execute(
        sa.select(s.account.c.id, s.account.c.code, s.account.c.name).where(s.account.c.book_id == bid))}
    segments = {r.id: (r.code, r.name) for r in conn.execute(
        sa.select(s.segment.c.id, s.segment.c.code, s.segment.c.name).where(s.segment.c.book_id == bid))}
    return _Codes(ids, accounts, segments, {v: k for k, v in ids.flows.items()})


def _basis(year: int, basis: str) -> sa.ColumnElement[bool]:
    """The postings a figure on ``basis`` of ``year`` sums (as repo.CUBE's three sums do)."""
    fy, kind = P.c.fiscal_year, P.c.kind
    if basis == "opening":
        return sa.or_(fy < year, sa.and_(fy == year, kind == "opening"))
    if basis == "movement":
        return sa.and_(fy == year, kind != "opening")
    if basis == "next_appropriation":
        return sa.and_(fy == year + 1, kind == "appropriation")
    # closing: the opening balance plus the year's movements: every posting up to the year (a
    # posting's period is 0 for the opening entry and 1-12 otherwise, so CUBE's period <= 12 holds)
    return fy <= year


def _where(codes: _Codes, flt: PostingFilter, entries: bool = False) -> list[sa.ColumnElement[bool]]:
    """The conditions on posting (and entry, for date and memo) of ``flt``; unknown codes match
    nothing. With ``entries`` (entry read first) the book is named on entry too, for its index."""
    ids = codes.ids
    cond: list[sa.ColumnElement[bool]] = [P.c.book_id == ids.book_id]
    if entries:
        cond.append(E.c.book_id == ids.book_id)
    if flt.accounts is not None:
        cond.append(P.c.account_id.in_([ids.accounts.get(a, -1) for a in flt.accounts]))
    if flt.flows is not None:
        cond.append(P.c.flow_id.in_([ids.flows.get(f, -1) for f in flt.flows]))
    if flt.exclude_flows:
        cond.append(P.c.flow_id.not_in([ids.flows.get(f, -1) for f in flt.exclude_flows]))
    if flt.segment is not None:
        cond.append(P.c.segment_id == ids.segments.get(flt.segment, -1))
    if flt.partners == "none":
        cond.append(P.c.partner_id == 0)
    elif flt.partners == "only":
        cond.append(P.c.partner_id != 0)
    if flt.year is not None:
        cond.append(_basis(flt.year, flt.basis or "closing"))
    if flt.date_from is not None:
        cond += [E.c.date >= flt.date_from, P.c.fiscal_year >= _fiscal_year(flt.date_from)]
    if flt.date_to is not None:
        cond += [E.c.date <= flt.date_to, P.c.fiscal_year <= _fiscal_year(flt.date_to)]
    lo, hi = flt.amount_min, flt.amount_max
    if lo is not None or hi is not None:
        cond.append(_magnitude(max(lo or 0, 0), hi))
    if flt.memo:
        cond.append(E.c.memo.ilike("%" + _escape_like(flt.memo) + "%", escape="\\"))
    return cond


def _fiscal_year(day: dt.date) -> int:
    """Posting carries its fiscal year: a date bound also bounds it, which an index can use."""
    return day.year if day.month >= 4 else day.year - 1


def _magnitude(lo: int, hi: int | None) -> sa.ColumnElement[bool]:
    """|amount| between lo and hi, written as two ranges so an index on amount could serve it."""
    if hi is None:
        return sa.or_(P.c.amount >= lo, P.c.amount <= -lo) if lo else sa.true()
    return sa.or_(P.c.amount.between(lo, hi), P.c.amount.between(-hi, -lo))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _needs_entry(flt: PostingFilter) -> bool:
    return flt.date_from is not None or flt.date_to is not None or bool(flt.memo)


def _rare_postings(flt: PostingFilter) -> bool:
    """An amount range: it picks few postings from everywhere in the journal."""
    return flt.amount_min is not None or flt.amount_max is not None


def _weighted(codes: _Codes, flt: PostingFilter) -> sa.ColumnElement[int]:
    """The posting's amount as it counts: times its account's weight."""
    weights = {codes.ids.accounts[a]: w for a, w in flt.weights if a in codes.ids.accounts}
    factor = _common_factor(codes, flt)
    if factor is not None:
        return P.c.amount * factor if factor != 1 else P.c.amount
    return P.c.amount * sa.case(weights, value=P.c.account_id, else_=1)


def _common_factor(codes: _Codes, flt: PostingFilter) -> int | None:
    """The one weight every selected posting counts with (so a total is SUM(amount) × it), if one."""
    weights = {codes.ids.accounts[a]: w for a, w in flt.weights if a in codes.ids.accounts}
    factors = set(weights.values())
    if not weights or factors == {1}:
        return 1
    chosen = {codes.ids.accounts.get(a) for a in flt.accounts} if flt.accounts is not None else None
    if len(factors) == 1 and chosen is not None and set(weights) >= chosen:
        return factors.pop()
    return None


class Found(NamedTuple):
    matched: int  # how many postings match
    total: int  # their weighted sum
    rows: list[PostingRow]  # the page asked for


def find(conn: sa.Connection, book_code: str, flt: PostingFilter, *, offset: int, limit: int,
         by_date: bool = False, known: tuple[int, int] | None = None) -> Found:
    """The postings matching ``flt``: their count and weighted sum (unless ``known``), and one
    page of them."""
    codes = _codes(conn, book_code)
    matched, total = known if known is not None else totals(conn, codes, flt)
    rows = page(conn, codes, flt, offset=offset, limit=limit, by_date=by_date) if matched > offset else []
    return Found(matched, total, rows)


def head(conn: sa.Connection, book_code: str) -> str:
    """The newest link of the book's entry chain: a hash of every posted entry and posting."""
    return repo.chain_head(conn, repo.book_id(conn, book_code))


def count(conn: sa.Connection, book_code: str, flt: PostingFilter) -> tuple[int, int]:
    """(number of postings, their weighted sum) of every posting matching ``flt``."""
    return totals(conn, _codes(conn, book_code), flt)


def totals(conn: sa.Connection, codes: _Codes, flt: PostingFilter) -> tuple[int, int]:
    """(number of postings, their weighted sum) of every posting matching ``flt``."""
    factor = _common_factor(codes, flt)  # multiplied once, not per posting
    summed = sa.func.sum(P.c.amount) if factor is not None else sa.func.sum(_weighted(codes, flt))
    entries = _needs_entry(flt)
    q = sa.select(sa.func.count(), sa.func.coalesce(summed, 0)).select_from(_entries_then_postings() if entries else P)
    row = conn.execute(q.where(*_where(codes, flt, entries))).one()
    return int(row[0]), int(row[1]) * (factor if factor is not None else 1)


def page(conn: sa.Connection, codes: _Codes, flt: PostingFilter, *, offset: int, limit: int,
         by_date: bool = False) -> list[PostingRow]:
    """One page of the postings matching ``flt``: account by account (in the chart's order) in
    posting order (entry number, line), which the drill-down index gives without sorting; or,
    for a search, by date with the posting order breaking ties."""
    amount = _weighted(codes, flt).label("weighted")
    order = [E.c.date, E.c.entry_no, P.c.line_no] if by_date else [P.c.account_id, P.c.entry_no, P.c.line_no]
    # by date: walk the entries in date order and stop when the page is full, unless an amount
    # range alone narrows the search: then find its few postings first and sort them
    entries = by_date and (_needs_entry(flt) or not _rare_postings(flt))
    q = (sa.select(E.c.code, E.c.date, E.c.memo, E.c.kind, P.c.line_no, P.c.account_id, P.c.segment_id, P.c.flow_id,
                   P.c.partner_id, P.c.amount, amount)
         .select_from(_entries_then_postings() if entries else P.join(E, sa.and_(E.c.book_id == P.c.book_id,
                                                                                  E.c.entry_no == P.c.entry_no)))
         .where(*_where(codes, flt, entries)).order_by(*order).limit(limit).offset(offset))
    return [_row(codes, r) for r in conn.execute(q)]


def _row(codes: _Codes, r: Any) -> PostingRow:
    account, account_name = codes.accounts.get(r.account_id, (f"?{r.account_id}", ""))
    segment, segment_name = codes.segments.get(r.segment_id, (f"?{r.segment_id}", ""))
    partner = codes.segments[r.partner_id][0] if r.partner_id in codes.segments else None
    return PostingRow(r.code, r.date, r.memo, account, account_name, segment, codes.flows.get(r.flow_id), partner,
                      int(r.weighted), int(r.amount), r.line_no, r.kind, segment_name)


# ---------------------------------------------------------------- one entry


def entry_detail(conn: sa.Connection, book_code: str, entry_code: str) -> EntryDetail | None:
    """An entry with its postings, the entries it reverses and that reverse it, the audit
    events whose range covers it and the chain link that covers it; None if there is none."""
    codes = _codes(conn, book_code)
    bid = codes.ids.book_id
    head = conn.execute(sa.select(E).where(E.c.book_id == bid, E.c.code == entry_code)).first()
    if head is None:
        return None
    no = head.entry_no
    q = (sa.select(E.c.code, E.c.date, E.c.memo, E.c.kind, P.c.line_no, P.c.account_id, P.c.segment_id, P.c.flow_id,
                   P.c.partner_id, P.c.amount, P.c.amount.label("weighted"))
         .select_from(P).join(E, sa.and_(E.c.book_id == P.c.book_id, E.c.entry_no == P.c.entry_no))
         .where(P.c.book_id == bid, P.c.entry_no == no).order_by(P.c.line_no))
    postings = tuple(_row(codes, r) for r in conn.execute(q))
    reverses = conn.execute(sa.select(E.c.code).where(E.c.book_id == bid, E.c.entry_no == head.reverses)).scalar() \
        if head.reverses is not None else None
    reversed_by = conn.execute(sa.select(E.c.code).where(E.c.book_id == bid, E.c.reverses == no)).scalar()
    a = s.audit_event
    covering = sa.and_(a.c.first_entry <= no, a.c.last_entry >= no)
    # a load records no entry range: the entries no later write covers came with the book's load
    later = a.alias("later")
    posted_later = sa.exists().where(later.c.book_id == bid, later.c.first_entry <= no, later.c.last_entry >= no)
    loaded = sa.and_(a.c.kind == "load", ~posted_later)
    events = tuple(AuditEntry(r.id, r.at, r.actor, r.kind, r.detail) for r in conn.execute(
        sa.select(a.c.id, a.c.at, a.c.actor, a.c.kind, a.c.detail)
        .where(a.c.book_id == bid, sa.or_(covering, loaded)).order_by(a.c.id)))
    c = s.chain_link
    link = conn.execute(sa.select(c.c.link, c.c.first_entry, c.c.last_entry)
                        .where(c.c.book_id == bid, c.c.first_entry <= no, c.c.last_entry >= no)
                        .order_by(c.c.id).limit(1)).first()
    return EntryDetail(head.code, head.date, head.kind, head.memo, postings, reverses, reversed_by, events,
                       link.link if link else None, head.fiscal_year, head.source_line,
                       (link.first_entry, link.last_entry) if link else None, no)

"""Tamper evidence: a SHA-256 hash chain over the posted entries and over the period events.

Entries are chained in the batches they were written in (a load writes 20,000 postings a
batch, a posting writes its entries as one batch): each link is

    link = SHA-256(previous link || canonical bytes of the batch's entries and postings)

stored with the range of entry numbers it covers (``chain_link``, append-only). The canonical
bytes are built by one function, ``canonical``, from the same columns at posting time and at
verification, so any change to a stored entry or posting — an amount, a segment, an account,
a posting added to an old entry, an entry slipped in — changes a link. Period events are
chained the same way, one link per event, and closing a period seals the entry chain's head
into its event. ``kessan verify`` (store/verify.py, app) recomputes both chains.

Batches instead of single entries: the canonical bytes of a batch are built column by column
in C (array, slicing), which keeps the chain within a few per cent of a large load; a
broken link still names the range of entries it covers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from array import array
from collections.abc import Sequence
from typing import Any

GENESIS = hashlib.sha256(b"kessan ledger chain v1").hexdigest()  # the link before the first batch

EntryColumns = tuple[Sequence[int], Sequence[str], Sequence[str], Sequence[str], Sequence[str], Sequence[int | None]]
PostingColumns = tuple[Sequence[int], ...]  # entry_no, line_no, segment_id, account_id, flow_id, partner_id, amount


def canonical(entries: EntryColumns, postings: PostingColumns) -> bytes:
    """The bytes a batch is hashed over: each entry's number, code, ISO date, kind, memo and
    reversed entry number as text, then the postings' seven integer columns as 64-bit ints."""
    nos, codes, dates, kinds, memos, reverses = entries
    head = "\x1e".join(f"{n}\x1f{c}\x1f{d}\x1f{k}\x1f{m}\x1f{r or 0}"
                       for n, c, d, k, m, r in zip(nos, codes, dates, kinds, memos, reverses, strict=True))
    return head.encode("utf-8") + b"\x1d" + b"".join(
        (column if isinstance(column, array) else array("q", column)).tobytes() for column in postings)


def link(previous: str, entries: EntryColumns, postings: PostingColumns) -> str:
    return hashlib.sha256(previous.encode("ascii") + canonical(entries, postings)).hexdigest()


def from_sqlite_values(entry_vals: list[Any], posting_vals: list[Any]) -> tuple[EntryColumns, PostingColumns]:
    """The canonical columns of a SQLite batch (values flattened row after row, no book_id):
    entry (entry_no, code, date, fiscal_year, kind, memo, source_line, reverses), posting
    (entry_no, line_no, fiscal_year, period, kind, segment, account, flow, partner, amount)."""
    e, p = entry_vals, posting_vals
    return ((e[0::8], e[1::8], e[2::8], e[4::8], e[5::8], e[7::8]),
            (p[0::10], p[1::10], p[5::10], p[6::10], p[7::10], p[8::10], p[9::10]))


def from_rows(entry_rows: Sequence[Sequence[Any]], posting_rows: Sequence[Sequence[Any]]) -> tuple[EntryColumns, PostingColumns]:
    """The canonical columns of rows read back or copied: entry (entry_no, code, date, kind,
    memo, reverses), posting (entry_no, line_no, segment, account, flow, partner, amount)."""
    if not entry_rows:
        return ((), (), (), (), (), ()), ((),) * 7
    nos, codes, dates, kinds, memos, reverses = zip(*entry_rows, strict=True)
    isos = [d.isoformat() if isinstance(d, dt.date) else str(d) for d in dates]
    # the postings' seven integer columns, cut from one flat array in C (no tuple per column)
    flat = array("q", itertools.chain.from_iterable(posting_rows))
    return (nos, codes, isos, kinds, memos, reverses), tuple(flat[i::7] for i in range(7))


def event_link(previous: str, year: int, from_state: str, to_state: str, *, reason: str, at: dt.datetime,
               seal: str) -> str:
    """The link of a period event: its year, states, reason, time (UTC) and seal."""
    moment = (at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at).isoformat()
    text = f"{year}\x1f{from_state}\x1f{to_state}\x1f{reason}\x1f{moment}\x1f{seal}"
    return hashlib.sha256(previous.encode("ascii") + text.encode("utf-8")).hexdigest()

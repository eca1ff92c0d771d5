"""Records of the journal as the faces see it: the postings behind a figure (drill-down), an
entry with its reversals, audit events and hash link, a journal search (電子帳簿保存法), and
draft entries waiting for approval (承認フロー). Immutable values; the store builds them
from SQL, the application layer (kessan.app) hands them to the CLI and the web app.

Amounts are int yen. A posting's ``posted`` amount is as stored (debit positive, credit
negative); its ``amount`` is what it contributes to the figure asked about (the stored
amount times the line's sign and its account's normal sign), so a drill-down's rows add up
to the figure as printed. A search has no figure: there ``amount`` is the stored amount.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

DRAFT_STATES = ("pending", "approved", "rejected")


class PostingRow(NamedTuple):
    entry_id: str  # the entry's code (its id in the journal)
    date: dt.date
    memo: str
    account: str
    account_name: str
    segment: str
    flow: str | None
    partner: str | None
    amount: int  # as it counts in the figure (drill-down) or as stored (search)
    posted: int = 0  # as stored: debit positive, credit negative
    line_no: int = 0  # the posting's line within its entry
    kind: str = "regular"  # the entry's kind: opening, regular, closing, appropriation
    segment_name: str = ""


class FigureLink(NamedTuple):
    """A figure another figure is made of: its sign in the sum, its key (``figure_key``; None
    when no table of the report prints it), what it is, and its amount in yen."""

    sign: int
    figure: str | None
    label: str
    yen: int | None


@dataclass(frozen=True)
class PostingPage:
    """One page of the postings behind a figure or matching a search.

    ``total_yen`` and ``count`` are over every matching posting, not only this page's;
    for a drill-down ``total_yen`` equals the figure. A figure that is not a sum of postings
    (a formula, a budget amount, a published figure of an earlier year) has no rows: ``kind``
    and ``detail`` say what it is and ``terms`` the figures it is made of."""

    figure: str | None
    total_yen: int | None
    count: int
    page: int
    per_page: int
    rows: tuple[PostingRow, ...]
    terms: tuple[FigureLink, ...] = ()
    kind: str = "postings"  # postings | formula | columns | input | budget | difference | history | …
    detail: str = ""  # what the figure is, in words (its statement, line, view; the basis of its postings)
    yen: int | None = None  # the figure's own amount (None for a search)

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


class AuditEntry(NamedTuple):
    """An audit event (store/audit.py) as an entry's history shows it."""

    id: int
    at: dt.datetime
    actor: str
    kind: str
    detail: str


class EntryDetail(NamedTuple):
    entry_id: str
    date: dt.date
    kind: str
    memo: str
    postings: tuple[PostingRow, ...]
    reverses: str | None  # the entry this one reverses (反対仕訳)
    reversed_by: str | None  # the entry that reverses this one
    events: tuple[AuditEntry, ...]  # the audit events whose write posted it (or, later, touched it)
    chain_link: str | None  # the hash-chain link covering it (store/chain.py)
    fiscal_year: int = 0
    source_line: int | None = None  # its first line in the journal file it was loaded from
    chain_range: tuple[int, int] | None = None  # the entry numbers its chain link covers
    entry_no: int = 0


class JournalQuery(NamedTuple):
    """A journal search (電子帳簿保存法: 取引年月日 range, 取引金額 range, 勘定科目, 事業,
    摘要); every field optional, given ones combined with AND. Amounts compare with the
    posting's magnitude (a credit of 1,000 yen is 1,000); ``memo`` matches a part of the
    entry's memo, ignoring case."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    account: str | None = None
    segment: str | None = None
    memo: str | None = None


class DraftLine(NamedTuple):
    account: str
    segment: str
    amount: int  # debit positive, credit negative
    flow: str | None = None
    partner: str | None = None


class DraftEntry(NamedTuple):
    """An entry as a 会計担当 enters it, before approval. ``entry_id`` is the code it is posted
    under (a journal file gives it; the form may leave it to kessan)."""

    date: dt.date
    memo: str
    lines: tuple[DraftLine, ...]
    entry_id: str | None = None
    kind: str = "regular"


class DraftEvent(NamedTuple):
    at: dt.datetime
    actor: str
    status: str  # pending (submitted), approved, rejected
    reason: str


class Draft(NamedTuple):
    id: int
    entry: DraftEntry
    status: str
    submitted_by: str
    submitted_at: dt.datetime
    events: tuple[DraftEvent, ...]
    posted_entry: str | None = None  # the entry code an approval posted
    source: str = ""  # the form, or the file and line it was imported from


class SegmentBalance(NamedTuple):
    """借方・貸方 of one segment of an entry being entered, and what is missing to balance it."""

    segment: str
    debit: int
    credit: int  # as a positive number

    @property
    def difference(self) -> int:
        return self.debit - self.credit


class DraftBalance(NamedTuple):
    segments: tuple[SegmentBalance, ...]
    debit: int
    credit: int

    @property
    def difference(self) -> int:
        return self.debit - self.credit

    @property
    def balanced(self) -> bool:
        return self.difference == 0 and all(s.difference == 0 for s in self.segments)

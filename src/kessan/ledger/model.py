"""Ledger types. Everything here is immutable.

Amounts are ``int`` yen, signed: debit positive, credit negative. A statement presents an
account on the normal side of its kind (assets and expenses debit − credit; liabilities,
net assets and revenue credit − debit); that flip is the only sign logic in the engine.

Postings and entries are NamedTuples rather than dataclasses: a large journal creates
millions of them and tuple construction is several times cheaper.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

KINDS = ("asset", "liability", "net_assets", "revenue", "expense")
DEBIT_NORMAL = frozenset({"asset", "expense"})
BALANCE_SHEET_KINDS = frozenset({"asset", "liability", "net_assets"})

ENTRY_KINDS = ("opening", "regular", "closing", "appropriation")

# The role of the reserved flow: the 損益振替 that moves the year's result into net assets.
# The income statement leaves postings with this flow out, so closing the books does not
# erase it; only closing entries may carry it (invariant E-7).
NET_INCOME_ROLE = "net_income"

# Period states of a fiscal year: OPEN → ADJUSTING (closing entries only) → CLOSED.
PERIOD_STATES = ("OPEN", "ADJUSTING", "CLOSED")


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    kind: str
    cash: bool = False
    inter_segment: bool = False
    roles: tuple[str, ...] = ()  # ledger/roles.py ACCOUNT_ROLES

    @property
    def normal_sign(self) -> int:
        """+1 where a debit balance is presented positive, −1 where a credit balance is."""
        return 1 if self.kind in DEBIT_NORMAL else -1


@dataclass(frozen=True, slots=True)
class Segment:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Flow:
    code: str
    name: str
    applies_to: str  # cash | net_assets | any
    roles: tuple[str, ...] = ()  # ledger/roles.py FLOW_ROLES


@dataclass(frozen=True, slots=True)
class FiscalYear:
    """事業年度: 1 April of ``year`` to 31 March of ``year + 1``."""

    year: int
    label: str
    state: str = "OPEN"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year + 1, 3, 31)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def period_of(day: dt.date) -> int:
    """Month of the fiscal year, April = 1 … March = 12."""
    return (day.month - 4) % 12 + 1


class Posting(NamedTuple):
    segment: str
    account: str
    amount: int
    flow: str | None = None
    partner: str | None = None


class Entry(NamedTuple):
    id: str
    date: dt.date
    kind: str
    memo: str
    postings: tuple[Posting, ...]
    line: int | None = None  # first source line, for error messages and traceability
    reverses: str | None = None  # id of the entry this one reverses (反対仕訳)


@dataclass(frozen=True)
class Cell:
    """One row of the balance cube of a fiscal year, per (segment, account, flow, partner):
    the opening balance and the movements (``store.repo.cube`` reads them; statements and
    the closing steps compute from them)."""

    segment: str
    account: str
    flow: str | None
    partner: str | None
    opening: int  # all postings before the year, plus the year's opening entries
    movement: int  # the year's postings other than opening entries
    appropriation_next: int  # appropriation entries of the following year (利益の処分)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one auditor tie-out (照合): what was compared, and whether it agreed.

    A check that cannot run (the book does not declare what it compares) is ``skipped``,
    with the reason as its detail: neither passed nor silently dropped. ``failed(strict)``
    counts a skip as a failure under ``strict`` (``check --strict``, closing a period).
    """

    name: str
    passed: bool
    detail: str
    skipped: bool = False

    @classmethod
    def skip(cls, name: str, reason: str) -> CheckResult:
        return cls(name, False, reason, skipped=True)

    def failed(self, strict: bool = False) -> bool:
        return not self.passed and (strict or not self.skipped)

    @property
    def status(self) -> str:
        return "SKIP" if self.skipped else "PASS" if self.passed else "FAIL"


@dataclass(frozen=True)
class Chart:
    """Accounts, segments and flows of one book, keyed by code, in declaration order."""

    accounts: dict[str, Account]
    segments: dict[str, Segment]
    flows: dict[str, Flow]

    def account_with(self, role: str) -> str | None:
        """The code of the account that declares ``role`` (a unique role), or None."""
        return next((c for c, a in self.accounts.items() if role in a.roles), None)

    def flow_with(self, role: str) -> str | None:
        """The code of the flow that declares ``role`` (a unique role), or None."""
        return next((c for c, f in self.flows.items() if role in f.roles), None)


@dataclass(frozen=True)
class Book:
    code: str
    name: str
    report_year: int
    fiscal_years: tuple[FiscalYear, ...]
    chart: Chart
    layouts: tuple[tuple[str, str], ...] = field(default=())  # (file name, TOML text)
    settings: dict[str, Any] = field(default_factory=dict)  # [book] of book.toml beyond code, name, report_year (parsed TOML)

    def fiscal_year(self, year: int) -> FiscalYear:
        for fy in self.fiscal_years:
            if fy.year == year:
                return fy
        raise KeyError(year)

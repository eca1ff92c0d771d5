"""The registers (補助簿, sub-ledgers) the closing reads: one immutable row type per register.

io/subledgers.py reads them from BOOK_DIR/subledgers/ (docs/closing.md); closing/ computes
from them. A row is frozen and hashable, so a schedule derived from it alone (depreciation,
lease repayments, 資産除去債務 balances) can be cached on it (closing/schedules.py).

* ``Asset`` — 固定資産台帳 (fixed_assets.csv): one row per asset.
* ``Lease`` — リース債務 (leases.csv): one row per 所有権移転外ファイナンス・リース.
* ``Security`` — 有価証券台帳 (securities.csv): one row per bond.
* ``GrantUse`` — 長期前受金 spent on expenses, drawn down as spent (grant_uses.csv).
* ``Provision`` — 引当金 (provisions.csv): 賞与, 退職給付 (簡便法), 役員退職 (内規).
* ``Reserve`` — 負債性積立金 (reserves.csv): 繰入 and 取崩 as decided.
* ``Obligation`` — 資産除去債務 (aro.csv): one row per obligation.
* ``Office`` — 法人住民税均等割 (resident_tax.csv): one row per office and jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

METHODS = ("straight_line", "declining_200", "lease", "none")  # Asset.method; none: 非償却 (電話加入権, 建設仮勘定)
PROVISION_METHODS = ("bonus", "retirement_simplified", "bylaw")  # Provision.method
RESERVE_ACTIONS = ("provision", "release")  # Reserve.action


@dataclass(frozen=True, slots=True)
class Asset:
    asset: str
    name: str
    segment: str
    cost_account: str
    contra_account: str | None  # None: written off directly against the cost account (ソフトウェア)
    expense_account: str
    method: str
    useful_life: int | None
    lease_months: int | None
    in_use: dt.date
    cost: int
    grant_account: str | None = None  # 長期前受金 funding this asset
    funded_amount: int = 0
    disposed: dt.date | None = None
    # 期首減価償却累計額 carried over from an earlier register (None: replayed from in_use)
    opening_accumulated: int | None = None
    opening_year: int | None = None  # the fiscal year whose opening the carried-over figure is
    revised_base: int | None = None  # 改定取得価額 of a carried-over 200%定率法 asset already switched
    # the book's closing options as they apply to this asset (ledger/options.py; set when the
    # register is read, so that a schedule cached on the row follows them)
    disposal_months: bool = False  # depreciated in its disposal year, by months up to the disposal month
    memo_value: int | None = None  # 備忘価額 of its class (1 or 0); None: ¥1 with a contra account, else 0
    lease_rounding: str = "cumulative"  # リース資産: cumulative or yearly truncation


@dataclass(frozen=True, slots=True)
class Lease:
    lease: str
    segment: str
    first_due: dt.date
    term_months: int
    amount: int
    monthly_rate: Decimal | None  # None: 利子込み法 (no interest allocated)
    payment: int | None  # the contractual monthly リース料 under 利息法 (None: derived)


@dataclass(frozen=True, slots=True)
class Security:
    """One bond of the 有価証券台帳."""

    security: str
    name: str
    segment: str
    account: str
    face_value: int  # 券面総額
    maturity: dt.date
    purpose: str  # e.g. 満期保有目的


@dataclass(frozen=True, slots=True)
class GrantUse:
    """長期前受金 drawn down as spent: the funded expenditure of one project in one year."""

    use: str
    name: str
    segment: str
    grant_account: str
    fiscal_year: int
    spent: int


@dataclass(frozen=True, slots=True)
class Provision:
    """One line of the 引当金 register. ``amount`` is, by ``method``:

    * ``bonus`` — 翌期支給見込額 for the 支給対象期間 ``period_start``…``period_end``;
    * ``retirement_simplified`` — 期末自己都合要支給額 (簡便法);
    * ``bylaw`` — the year-end amount under the 内規 (役員退職慰労金規程).
    """

    provision: str
    name: str
    segment: str
    account: str
    expense_account: str
    method: str
    amount: int
    period_start: dt.date | None = None
    period_end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Reserve:
    """A decided 繰入 (``provision``) or 取崩 (``release``) of a 負債性積立金 in one year."""

    reserve: str
    segment: str
    account: str
    action: str
    counter_account: str  # 繰入: the expense; 取崩: the revenue, or 長期前受金 when it funds assets
    fiscal_year: int
    amount: int
    basis: str  # the decision (e.g. 令和2年度予算, 理事長決定)


@dataclass(frozen=True, slots=True)
class Obligation:
    """One 資産除去債務. ``opening_balance`` carries the balance at the opening of
    ``opening_year`` over from an earlier register; without it the balance is replayed
    from ``initial_amount`` at ``recognised``. ``undiscounted_amount`` (割引前将来キャッシュ・
    フロー) and ``expected_settlement`` (除去予定日) give the amount the balance accretes to
    exactly by the end of the year before the settlement year; without them it accretes by
    the rate for as long as it is open."""

    obligation: str
    name: str
    segment: str
    account: str
    expense_account: str
    recognised: dt.date
    discount_rate: Decimal
    initial_amount: int
    opening_balance: int | None = None
    opening_year: int | None = None
    settled: dt.date | None = None
    undiscounted_amount: int | None = None  # 割引前将来キャッシュ・フロー: the balance at settlement
    expected_settlement: dt.date | None = None  # 除去予定日: its fiscal year accretes nothing


@dataclass(frozen=True, slots=True)
class Office:
    """法人住民税均等割: one office in one taxing jurisdiction."""

    office: str
    jurisdiction: str
    segment: str
    annual_amount: int
    opened: dt.date | None = None
    closed: dt.date | None = None


@dataclass(frozen=True)
class Subledgers:
    assets: tuple[Asset, ...] = ()
    leases: tuple[Lease, ...] = ()
    securities: tuple[Security, ...] = ()
    grant_uses: tuple[GrantUse, ...] = ()
    provisions: tuple[Provision, ...] = ()
    reserves: tuple[Reserve, ...] = ()
    obligations: tuple[Obligation, ...] = ()
    offices: tuple[Office, ...] = ()

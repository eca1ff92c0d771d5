"""Sub-ledgers the closing steps read (BOOK_DIR/subledgers/, docs/closing.md).

* ``fixed_assets.csv`` — 固定資産台帳: one row per asset.
* ``leases.csv`` — リース債務: one row per 所有権移転外ファイナンス・リース.
* ``securities.csv`` — 有価証券台帳: one row per bond.
* ``grant_uses.csv`` — 長期前受金 spent on expenses (取崩 "as spent").
* ``provisions.csv`` — 引当金: 賞与 (支給見込額 × 経過月数), 退職給付 (簡便法), 役員退職 (内規).
* ``reserves.csv`` — 負債性積立金: 繰入 and 取崩 as decided.
* ``aro.csv`` — 資産除去債務: one row per obligation.
* ``resident_tax.csv`` — 法人住民税均等割: one row per office and jurisdiction.

Validated like the journal: every problem names file, line and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path

from ..ledger.errors import BookError, InputError
from ..io.files import Problems, csv_rows
from ..ledger.model import Chart

ASSET_COLUMNS = ("asset", "name", "segment", "cost_account", "contra_account", "expense_account", "method",
                 "useful_life", "lease_months", "in_use", "cost", "grant_account", "funded_amount", "disposed", "opening_accumulated",
                 "opening_year", "revised_base")
LEASE_COLUMNS = ("lease", "segment", "first_due", "term_months", "amount", "monthly_rate", "payment")
SECURITY_COLUMNS = ("security", "name", "segment", "account", "face_value", "maturity", "purpose")
GRANT_USE_COLUMNS = ("use", "name", "segment", "grant_account", "fiscal_year", "spent")
PROVISION_COLUMNS = ("provision", "name", "segment", "account", "expense_account", "method", "amount",
                     "period_start", "period_end")
RESERVE_COLUMNS = ("reserve", "segment", "account", "action", "counter_account", "fiscal_year", "amount", "basis")
ARO_COLUMNS = ("obligation", "name", "segment", "account", "expense_account", "recognised", "discount_rate",
               "initial_amount", "opening_balance", "opening_year", "settled")
TAX_COLUMNS = ("office", "jurisdiction", "segment", "annual_amount", "opened", "closed")
METHODS = ("straight_line", "declining_200", "lease", "none")  # none: 非償却 (電話加入権, 建設仮勘定)
PROVISION_METHODS = ("bonus", "retirement_simplified", "bylaw")
RESERVE_ACTIONS = ("provision", "release")


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


@dataclass(frozen=True, slots=True)
class Lease:
    lease: str
    segment: str
    first_due: dt.date
    term_months: int
    amount: int
    monthly_rate: Decimal | None  # None: 利子込み法 (no interest allocated)
    payment: int | None

    def schedule(self):
        """The repayment schedule (formulas.lease_debt_schedule)."""
        from . import formulas

        return formulas.lease_debt_schedule(self.amount, self.term_months, self.first_due, self.monthly_rate,
                                            payment=self.payment)


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
    from ``initial_amount`` at ``recognised``."""

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


def _rows(path: Path, columns: tuple[str, ...], errors: list[InputError]):
    """Rows of an optional sub-ledger CSV as dicts, through the book's one CSV reader."""
    name = f"subledgers/{path.name}"
    found = Problems()
    for line, row in csv_rows(path, columns, found, name=name, required=False):
        if len(row) != len(columns):
            found.add(name, line, None, f"expected {len(columns)} fields, got {len(row)}")
            continue
        yield name, line, dict(zip(columns, (c.strip() for c in row)))
    errors.extend(found.items)


class _Fields:
    """Typed field access that records errors with file, line and field."""

    def __init__(self, name: str, line: int, row: dict, errors: list[InputError]):
        self.name, self.line, self.row, self.errors, self.ok = name, line, row, errors, True

    def fail(self, field: str, message: str):
        self.errors.append(InputError(self.name, self.line, field, message))
        self.ok = False

    def int(self, field: str, required: bool = True) -> int | None:
        v = self.row[field]
        if not v and not required:
            return None
        if not (v.lstrip("-").isdigit() and v.isascii()):
            return self.fail(field, f"not an integer: {v!r}")
        return int(v)

    def date(self, field: str, required: bool = True) -> dt.date | None:
        v = self.row[field]
        if not v and not required:
            return None
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return self.fail(field, f"bad date {v!r}: expected YYYY-MM-DD")

    def account(self, field: str, chart: Chart, required: bool = True) -> str | None:
        v = self.row[field]
        if not v and not required:
            return None
        if v not in chart.accounts:
            return self.fail(field, f"unknown account {v!r}")
        return v

    def decimal(self, field: str) -> Decimal | None:
        try:
            return Decimal(self.row[field])
        except InvalidOperation:
            return self.fail(field, f"not a decimal: {self.row[field]!r}")

    def choice(self, field: str, allowed: tuple[str, ...]) -> str | None:
        v = self.row[field]
        if v not in allowed:
            return self.fail(field, f"unknown {field} {v!r} (expected {', '.join(allowed)})")
        return v

    def segment(self, chart: Chart) -> str | None:
        v = self.row["segment"]
        if v not in chart.segments:
            return self.fail("segment", f"unknown segment {v!r}")
        return v


def read_subledgers(root: Path | str, chart: Chart) -> Subledgers:
    folder = Path(root) / "subledgers"
    errors: list[InputError] = []
    assets, leases, seen = [], [], set()
    for name, line, row in _rows(folder / "fixed_assets.csv", ASSET_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        if row["asset"] in seen:
            f.fail("asset", f"duplicate asset id {row['asset']!r}")
        seen.add(row["asset"])
        method = row["method"]
        if method not in METHODS:
            f.fail("method", f"unknown method {method!r} (expected {', '.join(METHODS)})")
        a = Asset(row["asset"], row["name"], f.segment(chart), f.account("cost_account", chart),
                  f.account("contra_account", chart, required=False), f.account("expense_account", chart), method,
                  f.int("useful_life", required=method not in ("lease", "none")), f.int("lease_months", required=method == "lease"),
                  f.date("in_use"), f.int("cost"), f.account("grant_account", chart, required=False),
                  f.int("funded_amount", required=False) or 0, f.date("disposed", required=False),
                  f.int("opening_accumulated", required=False),
                  f.int("opening_year", required=bool(row["opening_accumulated"])),
                  f.int("revised_base", required=False))
        if f.ok and a.opening_accumulated is not None and not 0 <= a.opening_accumulated <= a.cost:
            f.fail("opening_accumulated", f"must lie between 0 and the cost {a.cost}")
        if f.ok:
            assets.append(a)
    for name, line, row in _rows(folder / "leases.csv", LEASE_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        rate = None
        if row["monthly_rate"]:
            try:
                rate = Decimal(row["monthly_rate"])
            except InvalidOperation:
                f.fail("monthly_rate", f"not a decimal rate: {row['monthly_rate']!r}")
        lease = Lease(row["lease"], f.segment(chart), f.date("first_due"), f.int("term_months"), f.int("amount"), rate,
                      f.int("payment", required=False))
        if f.ok:
            leases.append(lease)
    securities = []
    for name, line, row in _rows(folder / "securities.csv", SECURITY_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        sec = Security(row["security"], row["name"], f.segment(chart), f.account("account", chart), f.int("face_value"),
                       f.date("maturity"), row["purpose"])
        if f.ok:
            securities.append(sec)
    more = _read_closing_registers(folder, chart, errors)
    if errors:
        raise BookError(errors[:50])
    return Subledgers(tuple(assets), tuple(leases), tuple(securities), **more)


def _read_closing_registers(folder: Path, chart: Chart, errors: list[InputError]) -> dict:
    """The registers of the provision, reserve, 資産除去債務, 長期前受金 and tax steps."""
    out: dict[str, list] = {"grant_uses": [], "provisions": [], "reserves": [], "obligations": [], "offices": []}
    for name, line, row in _rows(folder / "grant_uses.csv", GRANT_USE_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        g = GrantUse(row["use"], row["name"], f.segment(chart), f.account("grant_account", chart), f.int("fiscal_year"),
                     f.int("spent"))
        if f.ok:
            out["grant_uses"].append(g)
    for name, line, row in _rows(folder / "provisions.csv", PROVISION_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        method = f.choice("method", PROVISION_METHODS)
        p = Provision(row["provision"], row["name"], f.segment(chart), f.account("account", chart),
                      f.account("expense_account", chart), method, f.int("amount"),
                      f.date("period_start", required=method == "bonus"), f.date("period_end", required=method == "bonus"))
        if f.ok and p.method == "bonus" and p.period_end < p.period_start:
            f.fail("period_end", "the 支給対象期間 ends before it starts")
        if f.ok:
            out["provisions"].append(p)
    for name, line, row in _rows(folder / "reserves.csv", RESERVE_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        r = Reserve(row["reserve"], f.segment(chart), f.account("account", chart), f.choice("action", RESERVE_ACTIONS),
                    f.account("counter_account", chart), f.int("fiscal_year"), f.int("amount"), row["basis"])
        if f.ok:
            out["reserves"].append(r)
    for name, line, row in _rows(folder / "aro.csv", ARO_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        o = Obligation(row["obligation"], row["name"], f.segment(chart), f.account("account", chart),
                       f.account("expense_account", chart), f.date("recognised"), f.decimal("discount_rate"),
                       f.int("initial_amount"), f.int("opening_balance", required=False),
                       f.int("opening_year", required=bool(row["opening_balance"])), f.date("settled", required=False))
        if f.ok:
            out["obligations"].append(o)
    for name, line, row in _rows(folder / "resident_tax.csv", TAX_COLUMNS, errors):
        f = _Fields(name, line, row, errors)
        o = Office(row["office"], row["jurisdiction"], f.segment(chart), f.int("annual_amount"),
                   f.date("opened", required=False), f.date("closed", required=False))
        if f.ok:
            out["offices"].append(o)
    return {k: tuple(v) for k, v in out.items()}


BUCKETS = ("1年以内", "1年超2年以内", "2年超3年以内", "3年超4年以内", "4年超5年以内", "5年超")


def maturity_bucket(maturity: dt.date, as_of: dt.date) -> str:
    """The 償還予定額 bucket of a redemption on ``maturity`` seen from the balance-sheet date."""
    for years, name in enumerate(BUCKETS[:-1], 1):
        try:
            limit = as_of.replace(year=as_of.year + years)
        except ValueError:  # 29 February
            limit = as_of.replace(year=as_of.year + years, day=28)
        if maturity <= limit:
            return name
    return BUCKETS[-1]


def register_inputs(subledgers: Subledgers, years) -> list:
    """Figures the notes take from the 有価証券台帳, as inputs with their source.

    ``sec.<id>.face`` (券面総額) and ``sec.maturity.<n>`` (face values redeemed in bucket n,
    1 = 1年以内 … 6 = 5年超) for every fiscal year of the book; from the lease schedules,
    ``lease.maturity.<n>`` (principal repaid in bucket n).
    """
    from ..io.inputs import InputValue

    from . import formulas

    source = "有価証券台帳 (subledgers/securities.csv)"
    out = []
    schedules = [x.schedule() for x in subledgers.leases]
    for fy in years:
        out += _lease_rates(subledgers.leases, schedules, fy)
        if schedules:  # リース債務の返済予定額: principal by bucket after the balance-sheet date
            buckets = [formulas.maturity_buckets(sch, fy.end) for sch in schedules]
            for n in range(len(BUCKETS)):
                out.append(InputValue(f"lease.maturity.{n + 1}", fy.year, sum(b[n] for b in buckets),
                                      f"リース債務の返済予定額 {BUCKETS[n]}", "リース債務の返済スケジュール (subledgers/leases.csv)"))
        for s in subledgers.securities:
            out.append(InputValue(f"sec.{s.security}.face", fy.year, s.face_value, f"{s.name} 券面総額", source))
        for n, bucket in enumerate(BUCKETS, 1):
            amount = sum(s.face_value for s in subledgers.securities if maturity_bucket(s.maturity, fy.end) == bucket
                         and s.maturity > fy.end)
            out.append(InputValue(f"sec.maturity.{n}", fy.year, amount, f"満期保有目的の債券 償還予定額 {bucket}", source))
    return out


def _lease_rates(leases, schedules, fy) -> list:
    """借入金等明細書 平均利率: the average annual rate of the リース債務 at the year end,
    weighted by each lease's balance (期末残高に対する加重平均), in hundredths of a percent
    (``lease.rate.current`` 1年以内, ``lease.rate.noncurrent`` and ``lease.rate.total``).
    A lease under 利子込み法 (no monthly_rate) bears no allocated interest: rate 0."""
    from ..io.inputs import InputValue

    from . import formulas

    if not leases:
        return []
    weighted = {"current": Fraction(0), "noncurrent": Fraction(0)}
    balance = {"current": 0, "noncurrent": 0}
    for lease, schedule in zip(leases, schedules):
        current = formulas.current_portion(schedule, fy.end)
        left = sum(p.principal for p in schedule if p.due > fy.end)
        annual = Fraction(lease.monthly_rate or 0) * 12 * 10000  # hundredths of a percent
        for part, amount in (("current", current), ("noncurrent", left - current)):
            weighted[part] += annual * amount
            balance[part] += amount
    weighted["total"], balance["total"] = weighted["current"] + weighted["noncurrent"], balance["current"] + balance["noncurrent"]
    source = "リース債務の返済スケジュール (subledgers/leases.csv): 期末残高による加重平均"
    return [InputValue(f"lease.rate.{part}", fy.year, round(weighted[part] / balance[part]) if balance[part] else 0,
                       f"リース債務 平均利率 ({part}, 1/100 %)", source) for part in ("current", "noncurrent", "total")]

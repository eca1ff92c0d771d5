"""Sub-ledgers the closing steps read (BOOK_DIR/subledgers/, docs/closing.md).

* ``fixed_assets.csv`` — 固定資産台帳: one row per asset.
* ``leases.csv`` — リース債務: one row per 所有権移転外ファイナンス・リース.

Validated like the journal: every problem names file, line and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..ledger.errors import BookError, InputError
from ..io.reader import _csv_reader, _Errors
from ..ledger.model import Chart

ASSET_COLUMNS = ("asset", "name", "segment", "cost_account", "contra_account", "expense_account", "method",
                 "useful_life", "lease_months", "in_use", "cost", "grant_account", "funded_amount", "disposed")
LEASE_COLUMNS = ("lease", "segment", "first_due", "term_months", "amount", "monthly_rate", "payment")
SECURITY_COLUMNS = ("security", "name", "segment", "account", "face_value", "maturity", "purpose")
METHODS = ("straight_line", "declining_200", "lease")


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


@dataclass(frozen=True, slots=True)
class Lease:
    lease: str
    segment: str
    first_due: dt.date
    term_months: int
    amount: int
    monthly_rate: Decimal | None  # None: 利子込み法 (no interest allocated)
    payment: int | None


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


@dataclass(frozen=True)
class Subledgers:
    assets: tuple[Asset, ...] = ()
    leases: tuple[Lease, ...] = ()
    securities: tuple[Security, ...] = ()


def _rows(path: Path, columns: tuple[str, ...], errors: list[InputError]):
    """Rows of an optional sub-ledger CSV as dicts, through the book's one CSV reader."""
    name = f"subledgers/{path.name}"
    found = _Errors()
    for line, row in _csv_reader(path, columns, found, name=name, required=False):
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
                  f.int("useful_life", required=method != "lease"), f.int("lease_months", required=method == "lease"),
                  f.date("in_use"), f.int("cost"), f.account("grant_account", chart, required=False),
                  f.int("funded_amount", required=False) or 0, f.date("disposed", required=False))
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
    if errors:
        raise BookError(errors[:50])
    return Subledgers(tuple(assets), tuple(leases), tuple(securities))


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
    schedules = [formulas.lease_debt_schedule(x.amount, x.term_months, x.first_due, x.monthly_rate, payment=x.payment)
                 for x in subledgers.leases]
    for fy in years:
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

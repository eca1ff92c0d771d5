"""Figures the notes (注記) take from the registers, as inputs with their source: the
有価証券台帳's face values and redemption buckets, the lease schedules' repayment buckets and
average rates (借入金等明細書 平均利率). ``cli.load_dir`` stores them with inputs.toml."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from fractions import Fraction

from ..io.inputs import InputValue
from ..ledger.model import FiscalYear
from ..ledger.rounding import half_up
from ..ledger.subledgers import Lease, Subledgers
from . import formulas
from .schedules import lease_schedule

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


def register_inputs(subledgers: Subledgers, years: Iterable[FiscalYear]) -> list[InputValue]:
    """Figures the notes take from the 有価証券台帳, as inputs with their source.

    ``sec.<id>.face`` (券面総額) and ``sec.maturity.<n>`` (face values redeemed in bucket n,
    1 = 1年以内 … 6 = 5年超) for every fiscal year of the book; from the lease schedules,
    ``lease.maturity.<n>`` (principal repaid in bucket n).
    """
    source = "有価証券台帳 (subledgers/securities.csv)"
    out: list[InputValue] = []
    schedules = [lease_schedule(x) for x in subledgers.leases]
    for fy in years:
        out += _lease_rates(subledgers.leases, schedules, fy)
        # リース債務の返済予定額: principal by bucket after the balance-sheet date (an empty
        # register owes nothing: every bucket 0, as for the securities below)
        buckets = [formulas.maturity_buckets(sch, fy.end) for sch in schedules]
        for n in range(len(BUCKETS)):
            out.append(InputValue(f"lease.maturity.{n + 1}", fy.year, sum(b[n] for b in buckets),
                                  f"リース債務の返済予定額 {BUCKETS[n]}",
                                  "リース債務の返済スケジュール (subledgers/leases.csv)"))
        out += _lease_due_years(schedules, fy)
        out += _aro_rates(subledgers, fy)
        for s in subledgers.securities:
            out.append(InputValue(f"sec.{s.security}.face", fy.year, s.face_value, f"{s.name} 券面総額", source))
        for n, bucket in enumerate(BUCKETS, 1):
            amount = sum(s.face_value for s in subledgers.securities if maturity_bucket(s.maturity, fy.end) == bucket
                         and s.maturity > fy.end)
            out.append(InputValue(f"sec.maturity.{n}", fy.year, amount, f"満期保有目的の債券 償還予定額 {bucket}", source))
    return out


def _lease_due_years(schedules: Sequence[Sequence[formulas.LeasePayment]], fy: FiscalYear) -> list[InputValue]:
    """借入金等明細書 返済期限 of the リース債務 (1年以内に返済予定のものを除く): the fiscal years
    (by their first calendar year, 2025 = 令和7年度) of its first and last repayment,
    ``lease.due.first`` and ``lease.due.last`` (none if it is nil)."""
    after = fy.end.replace(year=fy.end.year + 1) if (fy.end.month, fy.end.day) != (2, 29) else fy.end.replace(
        year=fy.end.year + 1, day=28)
    dues = [_fiscal_year(p.due, fy.start) for sch in schedules for p in sch if p.due > after and p.principal]
    if not dues:
        return []
    source = "リース債務の返済スケジュール (subledgers/leases.csv)"
    return [InputValue("lease.due.first", fy.year, min(dues), "リース債務 (1年超) 最初の返済の年度", source),
            InputValue("lease.due.last", fy.year, max(dues), "リース債務 (1年超) 最後の返済の年度", source)]


def _aro_rates(subledgers: Subledgers, fy: FiscalYear) -> list[InputValue]:
    """注記 (資産除去債務関係) 2 割引率: the lowest and highest discount rate of the obligations
    on the balance sheet at the year end (recognised by then, not settled), in hundredths of a
    percent (``aro.rate.min``, ``aro.rate.max``; none if there is no such obligation)."""
    rates = [o.discount_rate for o in subledgers.obligations
             if o.recognised <= fy.end and (o.settled is None or o.settled > fy.end)]
    if not rates:
        return []
    source = "資産除去債務台帳 (subledgers/aro.csv): 割引率"
    return [InputValue(f"aro.rate.{name}", fy.year, half_up(Fraction(rate) * 10000), f"資産除去債務 割引率の{word} (1/100 %)",
                       source) for name, word, rate in (("min", "最小", min(rates)), ("max", "最大", max(rates)))]


def _fiscal_year(day: dt.date, start: dt.date) -> int:
    """The fiscal year (named by its first calendar year) a day falls in, for years starting as ``start``."""
    return day.year if (day.month, day.day) >= (start.month, start.day) else day.year - 1


def _lease_rates(leases: Sequence[Lease], schedules: Sequence[Sequence[formulas.LeasePayment]],
                 fy: FiscalYear) -> list[InputValue]:
    """借入金等明細書 平均利率: the average annual rate of the リース債務 at the year end,
    weighted by each lease's balance (期末残高に対する加重平均), in hundredths of a percent
    (``lease.rate.current`` 1年以内, ``lease.rate.noncurrent`` and ``lease.rate.total``).
    A lease under 利子込み法 (no monthly_rate) bears no allocated interest: rate 0. The rate
    is rounded 四捨五入 to a hundredth of a percent (``half_up``; Python's ``round`` would
    round a half to even). No lease at all: every rate 0."""
    weighted = {"current": Fraction(0), "noncurrent": Fraction(0)}
    balance = {"current": 0, "noncurrent": 0}
    for lease, schedule in zip(leases, schedules, strict=True):
        current = formulas.current_portion(schedule, fy.end)
        left = sum(p.principal for p in schedule if p.due > fy.end)
        annual = Fraction(lease.monthly_rate or 0) * 12 * 10000  # hundredths of a percent
        for part, amount in (("current", current), ("noncurrent", left - current)):
            weighted[part] += annual * amount
            balance[part] += amount
    weighted["total"], balance["total"] = weighted["current"] + weighted["noncurrent"], balance["current"] + balance["noncurrent"]
    source = "リース債務の返済スケジュール (subledgers/leases.csv): 期末残高による加重平均"
    return [InputValue(f"lease.rate.{part}", fy.year, half_up(weighted[part] / balance[part]) if balance[part] else 0,
                       f"リース債務 平均利率 ({part}, 1/100 %)", source) for part in ("current", "noncurrent", "total")]

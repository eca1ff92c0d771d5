"""Closing-entry formulas (決算整理), one pure function per step; see domain.md §6.

Conventions, the same in every function:

- Money is ``int`` yen in and out. Rates are ``Decimal``; a ``float`` rate is refused
  because a binary fraction cannot hold 0.06552 exactly.
- Products of yen and rates are computed exactly (``Fraction``: integer numerator and
  denominator) and rounded once, at the step the formula names, by a named rule of
  ``ledger/rounding.py``: ``truncate`` (切捨て) unless a formula says ``half_up`` (四捨五入).
  Nothing here rounds any other way (no ``round``, no ``int()`` of a ratio, no ``//`` on money).
- Where a schedule must reach an exact total, totals never drift: the funded amount and the
  removal cash flow are reached by the final period absorbing the rounding residue; cost −
  備忘価額 is reached by the statutory rule instead (each year capped at its 償却限度額, the
  residue the truncation leaves carried to the year after the useful life).
- Fiscal years (事業年度) run April–March and are labelled by the year of their April
  (令和2年度 = 2020), as in 機構法 §27.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, NamedTuple

from kessan.closing.rates import Rates, rates
from kessan.ledger.model import fiscal_year_of  # the 事業年度 containing a day (April–March)
from kessan.ledger.rounding import Rounding, half_up, to_yen, truncate

STRAIGHT_LINE: Final = "straight_line"  # 定額法
DECLINING_200: Final = "declining_200"  # 200%定率法 (assets acquired on or after 2012-04-01)
Method = Literal["straight_line", "declining_200"]

MEMO_VALUE = 1  # 備忘価額: the ¥1 left on the books of a fully depreciated asset


# --------------------------------------------------------------------------- helpers


def _yen(name: str, value: int) -> int:
    """Refuse anything but a non-negative int: money never travels as float."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be int yen, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _rate(name: str, value: Decimal) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _truncated_mul(amount: int, rate: Decimal, months: int = 12, per: int = 12) -> int:
    """amount × rate × months / per computed exactly, 切捨て: the one rounding of a 償却限度額
    (法人税法施行令 §48の2: the limit is not rounded up; yen fractions are dropped)."""
    return truncate(amount * Fraction(rate) * months / per)


def _month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_index(d: dt.date) -> int:
    """Months since year 0 of ``d``'s month: differences count calendar months."""
    return _month_index(d)


def prorate(amount: int, months: int, of_months: int) -> int:
    """``amount`` × ``months`` / ``of_months``, 切捨て (a year's depreciation cut at the
    disposal month: docs/closing.md, disposal_year_depreciation)."""
    if of_months <= 0 or months >= of_months:
        return amount
    return truncate(Fraction(amount * months, of_months))


def _add_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by whole months; a month-end stays a month-end (3/31 → 3/31 next year)."""
    index = _month_index(d) + months
    year, month = divmod(index, 12)
    month += 1
    last = _last_day(year, month)
    day = last if d.day == _last_day(d.year, d.month) else min(d.day, last)
    return dt.date(year, month, day)


def _last_day(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def _fy_first_month(fiscal_year: int) -> int:
    return fiscal_year * 12 + 3  # month index of April


# --------------------------------------------------------------------------- 6.1 減価償却


def months_in_use(in_use: dt.date, fiscal_year: int) -> int:
    """使用月数 of an asset in ``fiscal_year``: 12 for a full year, 0 before it came into use.

    In the year it comes into use (供用開始), a partial month counts as a whole month
    (法人税法施行令 §59: 1月に満たない端数は1月), so the count runs from the in-use month
    to March inclusive: 2020-10 → 6.
    """
    start = _month_index(in_use)
    first = _fy_first_month(fiscal_year)
    return max(0, min(12, first + 12 - max(start, first)))


def final_fiscal_year(in_use: dt.date, useful_life: int) -> int:
    """The 事業年度 holding the last month of the useful life.

    Coming into use in April gives ``useful_life`` fiscal years; any other month gives one
    more, the last one partial (the months the first year lacked). A residue the yearly
    truncation left above the 備忘価額 is depreciated after it (``depreciation_schedule``).
    """
    return fiscal_year_of(_add_months(in_use.replace(day=1), useful_life * 12 - 1))


class DepreciationYear(NamedTuple):
    """One line of a depreciation schedule (償却予定表)."""

    fiscal_year: int
    depreciation: int  # 減価償却費
    closing_book_value: int  # 期末帳簿価額


class _Step(NamedTuple):
    depreciation: int
    revised_base: int | None  # 改定取得価額 once the 200% method has switched


def _depreciation_step(
    cost: int,
    table: Rates,
    method: Method,
    months: int,
    opening: int,
    *,
    revised_base: int | None,
    floor: int,
    after_life: bool,
) -> _Step:
    """One fiscal year of depreciation from the opening book value; see ``annual_depreciation``.

    Every year, the last one of the useful life included, books the 償却限度額 of its method
    and never more, and never below the ``floor`` (備忘価額). After the useful life the same
    limit applies to whatever the truncation left (``after_life``).
    """
    room = max(opening - floor, 0)
    if method == STRAIGHT_LINE:
        amount = _truncated_mul(cost, table.straight_line, months)
    else:
        if (revised_base is None and table.guarantee is not None
                and _below_guarantee(cost, opening, table.declining, table.guarantee)):
            revised_base = opening
        if revised_base is None:
            amount = _truncated_mul(opening, table.declining, months)
        elif table.revised is None:  # no 改定償却率 (2 years): written off before any switch
            raise ValueError("revised_base applies to the 200% declining-balance method only")
        else:
            amount = _truncated_mul(revised_base, table.revised, months)
    if after_life and amount == 0:
        # A limit below ¥1 (an asset of a few yen: cost × rate truncates to 0) would never
        # reach the 備忘価額; kessan books that residue at once, in the year after the life.
        amount = room
    return _Step(min(amount, room), revised_base)


def _below_guarantee(cost: int, opening: int, declining: Decimal, guarantee: Decimal) -> bool:
    """調整前償却額 < 償却保証額, i.e. opening × 償却率 < cost × 保証率, compared exactly.

    Both sides are full-year amounts (the first-year month proration does not enter the
    test) and neither is rounded before the comparison, so no yen truncation can move the
    switch year.
    """
    rn, rd = declining.as_integer_ratio()
    gn, gd = guarantee.as_integer_ratio()
    return opening * rn * gd < cost * gn * rd


def as_method(method: str) -> Method:
    """``method`` as a depreciation method (定額法 or 200%定率法); ValueError for anything else."""
    for m in (STRAIGHT_LINE, DECLINING_200):
        if method == m:
            return m
    raise ValueError(f"method must be {STRAIGHT_LINE!r} or {DECLINING_200!r}, got {method!r}")


def _check_asset(cost: int, useful_life: int, method: str) -> Rates:
    _yen("cost", cost)
    as_method(method)
    return rates(useful_life)


_HistoryLine = tuple[DepreciationYear, int, int | None, int | None]  # line, opening book value, 改定取得価額 before, after


def _replay(cost: int, useful_life: int, method: Method, in_use: dt.date, keep_memo: bool) -> tuple[_HistoryLine, ...]:
    """Every year from 供用開始 with its opening book value and 改定取得価額 (before and after
    the year), through the useful life and on while a residue is left above the floor."""
    table = _check_asset(cost, useful_life, method)
    floor = MEMO_VALUE if keep_memo else 0
    first, life_end = fiscal_year_of(in_use), final_fiscal_year(in_use, useful_life)
    book = cost
    revised_base: int | None = None
    lines: list[_HistoryLine] = []
    year = first
    while year <= life_end or book > floor:
        if year > life_end + useful_life + 1:  # each year after the life books ≥ ¥1 of a residue of a few yen
            raise RuntimeError(f"depreciation of {cost} yen over {useful_life} years does not end")
        step = _depreciation_step(cost, table, method, months_in_use(in_use, year), book,
                                  revised_base=revised_base, floor=floor, after_life=year > life_end)
        lines.append((DepreciationYear(year, step.depreciation, book - step.depreciation), book, revised_base,
                      step.revised_base))
        book, revised_base = book - step.depreciation, step.revised_base
        year += 1
    return tuple(lines)


def depreciation_schedule(
    cost: int, useful_life: int, method: Method, in_use: dt.date, *, keep_memo: bool = True
) -> tuple[DepreciationYear, ...]:
    """Every fiscal year's depreciation from 供用開始 to the end of the useful life, and on
    while a residue is left.

    The schedule is the replay of ``annual_depreciation`` year by year, which is how the
    200% method's switch year and 改定取得価額 are fixed from the asset's own history. The
    depreciation sums to ``cost − 1`` with the ¥1 備忘価額 (``keep_memo``), else to ``cost``:
    no year books more than its 償却限度額, so where the yearly truncation left a few yen
    at the end of the useful life (``final_fiscal_year``) the schedule runs on a year (or
    more, for a limit smaller than the residue) and depreciates them then.
    """
    return tuple(line for line, _, _, _ in _replay(cost, useful_life, method, in_use, keep_memo))


def annual_depreciation(
    cost: int,
    useful_life: int,
    method: Method,
    in_use: dt.date,
    fiscal_year: int,
    *,
    opening_book_value: int | None = None,
    opening_accumulated: int | None = None,
    revised_base: int | None = None,
    keep_memo: bool = True,
) -> int:
    """減価償却費 of one asset for one fiscal year (yen truncated).

    定額法 (rates: 耐用年数省令 別表第八; method: 法人税法施行令 §48の2)::

        償却費 = 取得価額 × 定額法償却率 × 使用月数 / 12

    200%定率法 (rates: 別表第十, for assets acquired on or after 2012-04-01; 施行令 §48の2)::

        調整前償却額 = 期首帳簿価額 × 定率法償却率
        償却保証額   = 取得価額 × 保証率
        償却費 = 調整前償却額 × 使用月数 / 12          while 調整前償却額 ≥ 償却保証額
        償却費 = 改定取得価額 × 改定償却率             from the first year it is below,
                                                       and in every later year

    改定取得価額 is the opening book value of the switch year. The book value never goes
    below the ¥1 備忘価額 with ``keep_memo`` (施行令 §61: 償却累積額 ≤ 取得価額 − 1円), or
    below 0 without it: the J-LIS book policy on the ¥1 is open (domain.md §6.1), hence the
    flag. The last year of the useful life (``final_fiscal_year``) is no exception: it books
    its 償却限度額 and no more, and the residue the yearly truncation left above the floor
    (a few yen) is depreciated in the following year, at that year's limit, as the 省令
    does for an asset still above ¥1 after its useful life; so a schedule ends exactly at
    the floor without any year exceeding its limit. An asset whose limit is below ¥1 (a
    few yen of cost) books its residue at once in the year after the life.

    How the switch is decided: by default the asset is replayed from 供用開始, so the
    switch year and 改定取得価額 come from the asset's own history. An opening balance
    (``opening_book_value``, or ``opening_accumulated`` = cost − book value) that equals the
    replayed one changes nothing. One that differs (an asset taken over from another system
    with other rounding, say) is used as given; if its 調整前償却額 is below the 償却保証額,
    the switch may have happened in an earlier year whose opening value is unknown here, so
    ``revised_base`` (改定取得価額) must be passed, and an error says so. Passing
    ``revised_base`` always means "already switched, at this base".
    """
    _opening_book_value(cost, opening_book_value, opening_accumulated)
    return Depreciation(cost, useful_life, method, in_use, keep_memo=keep_memo).annual(
        fiscal_year, opening_book_value=opening_book_value, opening_accumulated=opening_accumulated,
        revised_base=revised_base)


def _opening_book_value(cost: int, opening_book_value: int | None, opening_accumulated: int | None) -> int | None:
    if opening_book_value is not None and opening_accumulated is not None:
        raise ValueError("give opening_book_value or opening_accumulated, not both")
    if opening_accumulated is not None:
        return cost - _yen("opening_accumulated", opening_accumulated)
    return opening_book_value


class Depreciation:
    """One asset under ``annual_depreciation``, its history replayed once from 供用開始.

    ``annual_depreciation`` builds one for a single year. A caller that needs many years of
    the same asset (a carried-over 累計額 rolled forward year by year) keeps one, so each
    year costs one step of the formula, not a replay of the whole useful life.
    """

    def __init__(self, cost: int, useful_life: int, method: Method, in_use: dt.date, *, keep_memo: bool = True):
        self.cost, self.useful_life, self.method, self.in_use, self.keep_memo = cost, useful_life, method, in_use, keep_memo
        self._history = _replay(cost, useful_life, method, in_use, keep_memo)
        self.first_year = fiscal_year_of(in_use)
        self.life_end = final_fiscal_year(in_use, useful_life)
        self.final_year = self.first_year + len(self._history) - 1  # the replay's last line: nothing after it

    def schedule(self) -> tuple[DepreciationYear, ...]:
        """``depreciation_schedule``: every year's line from 供用開始 until the floor is reached."""
        return tuple(line for line, _, _, _ in self._history)

    def annual(self, fiscal_year: int, *, opening_book_value: int | None = None,
               opening_accumulated: int | None = None, revised_base: int | None = None) -> int:
        """``annual_depreciation`` of ``fiscal_year`` for this asset (see there)."""
        cost, method = self.cost, self.method
        opening_book_value = _opening_book_value(cost, opening_book_value, opening_accumulated)
        if fiscal_year < self.first_year:
            return 0  # before 供用開始
        if fiscal_year <= self.final_year:
            line, replay_book, replay_base, _ = self._history[fiscal_year - self.first_year]
            if opening_book_value is None and revised_base is None:
                return line.depreciation
        else:  # after the replayed history: it reached the floor, a book value carried over may not have
            if opening_book_value is None and revised_base is None:
                return 0
            last, _, _, replay_base = self._history[-1]
            replay_book = last.closing_book_value
        book = replay_book if opening_book_value is None else _yen("opening_book_value", opening_book_value)
        if book > cost:
            raise ValueError(f"opening book value {book} exceeds cost {cost}")
        table = rates(self.useful_life)
        if revised_base is None:
            if book == replay_book:
                revised_base = replay_base
            elif (method == DECLINING_200 and table.guarantee is not None
                  and _below_guarantee(cost, book, table.declining, table.guarantee)):
                raise ValueError(
                    "the opening book value differs from the asset's replayed history and is past "
                    "the 保証率 test: pass revised_base (改定取得価額) to say where the switch happened"
                )
        else:
            _yen("revised_base", revised_base)
            if method != DECLINING_200 or table.revised is None:
                raise ValueError("revised_base applies to the 200% declining-balance method only")
        step = _depreciation_step(
            cost,
            table,
            method,
            months_in_use(self.in_use, fiscal_year),
            book,
            revised_base=revised_base,
            floor=MEMO_VALUE if self.keep_memo else 0,
            after_life=fiscal_year > self.life_end,
        )
        return step.depreciation


# --------------------------------------------------------------------------- 6.2 リース


def _lease_months_elapsed(start: dt.date, term_months: int, through_month: int) -> int:
    return max(0, min(term_months, through_month - _month_index(start) + 1))


def lease_depreciation(amount: int, term_months: int, start: dt.date, fiscal_year: int,
                       until: dt.date | None = None, *, rounding: str = "cumulative") -> int:
    """リース資産の減価償却費 for one fiscal year: リース期間定額法, residual value 0.

    所有権移転外ファイナンス・リース (企業会計基準第13号 ¶12: リース期間を耐用年数とし、
    残存価額をゼロとする)::

        償却費_t = リース資産計上額 × 当期のリース月数 / リース期間月数

    The start month counts as a whole month. Each year's amount is the difference of the
    truncated cumulative amounts, ⌊amount × months to date / term⌋, so the years sum to
    ``amount`` exactly and the last year of the term takes the residue. ``until`` (a day in
    the year: the asset is disposed of, or the lease ends early) stops the count at its month.

    ``rounding = "yearly"`` (closing option lease_depreciation_rounding) truncates each
    year's amount × its months / term instead, and the year the term ends takes what is left,
    so the term still sums to ``amount`` exactly.
    """
    _yen("amount", amount)
    if term_months <= 0:
        raise ValueError(f"term_months must be positive, got {term_months}")
    first = _fy_first_month(fiscal_year)
    last = first + 11 if until is None else min(first + 11, _month_index(until))
    before = _lease_months_elapsed(start, term_months, first - 1)
    through = max(before, _lease_months_elapsed(start, term_months, last))
    if rounding == "yearly":
        return _lease_yearly(amount, term_months, start, fiscal_year, (before, through))
    # 切捨て of the cumulative amounts (not of each year's): the term sums to ``amount`` exactly
    return truncate(Fraction(amount * through, term_months)) - truncate(Fraction(amount * before, term_months))


def _lease_yearly(amount: int, term_months: int, start: dt.date, fiscal_year: int, elapsed: tuple[int, int]) -> int:
    """One year of リース期間定額法 truncated on its own; the year the term ends takes the rest.
    ``elapsed``: the lease months elapsed before the year and through it."""
    before, through = elapsed
    if through < term_months:
        return truncate(Fraction(amount * (through - before), term_months))
    booked = 0  # the earlier years' truncated amounts, each on its own
    for year in range(fiscal_year_of(start), fiscal_year):
        first = _fy_first_month(year)
        months = _lease_months_elapsed(start, term_months, first + 11) - _lease_months_elapsed(start, term_months, first - 1)
        booked += truncate(Fraction(amount * months, term_months))
    return amount - booked if before < term_months else 0


class LeasePayment(NamedTuple):
    """One instalment of a lease debt schedule (リース債務の返済予定)."""

    due: dt.date
    payment: int  # リース料
    interest: int  # 支払利息 (0 under 利子込み法)
    principal: int  # 元本返済額: reduces リース債務
    balance: int  # リース債務 after this instalment


def _annuity_payment(amount: int, term_months: int, monthly_rate: Decimal, in_advance: bool) -> int:
    """Level payment repaying ``amount`` over ``term_months`` at ``monthly_rate`` (四捨五入 to yen)."""
    if monthly_rate == 0:
        return half_up(Fraction(amount, term_months))  # 四捨五入
    r = Fraction(monthly_rate)
    payment = amount * r / (1 - (1 + r) ** -term_months)
    if in_advance:
        payment /= 1 + r
    return half_up(payment)  # 四捨五入: the level リース料 in whole yen


def lease_debt_schedule(
    amount: int,
    term_months: int,
    first_due: dt.date,
    monthly_rate: Decimal | None = None,
    *,
    payment: int | None = None,
    in_advance: bool = False,
) -> tuple[LeasePayment, ...]:
    """Monthly repayment schedule of a リース債務, instalments due monthly from ``first_due``.

    利子込み法 (``monthly_rate`` None; 適用指針第16号, allowed when leases are immaterial):
    ``amount`` is the リース料総額, booked without deducting interest. Each instalment repays
    ⌊amount / term⌋; the last repays whatever is left.

    利息法 (``monthly_rate`` given; 企業会計基準第13号 ¶11): ``amount`` is the present
    value booked. Each month::

        支払利息 = 期首リース債務 × 月利     (yen rounded half-up per instalment)
        元本返済 = リース料 − 支払利息

    The last instalment repays the remaining balance, absorbing the rounding residue (its
    payment may differ by a few yen from the others). ``payment`` is the contractual
    monthly リース料, and one that does not amortise ``amount`` over the term is an error;
    without it the level annuity payment is derived (yen half-up), and on amounts of a few
    yen, where that rounding alone would over- or under-shoot, principal is kept between 0
    and the balance. ``in_advance`` means payments at the start of each month (前払): the
    first carries no interest.
    """
    _yen("amount", amount)
    if term_months <= 0:
        raise ValueError(f"term_months must be positive, got {term_months}")
    dues = [_add_months(first_due, k) for k in range(term_months)]
    if monthly_rate is None:
        if payment is not None:
            raise ValueError("payment applies to 利息法 only; 利子込み法 splits amount evenly")
        each = truncate(Fraction(amount, term_months))  # 切捨て; the last instalment repays the rest
        principals = [each] * (term_months - 1) + [amount - each * (term_months - 1)]
        balances = [amount - sum(principals[: k + 1]) for k in range(term_months)]
        return tuple(LeasePayment(d, p, 0, p, b) for d, p, b in zip(dues, principals, balances, strict=True))
    _rate("monthly_rate", monthly_rate)
    level = _annuity_payment(amount, term_months, monthly_rate, in_advance) if payment is None else _yen("payment", payment)
    balance = amount
    lines: list[LeasePayment] = []
    for k, due in enumerate(dues):
        # 支払利息: 四捨五入 per instalment (利息法); the last instalment absorbs the residue
        interest = 0 if (in_advance and k == 0) else half_up(Fraction(balance) * Fraction(monthly_rate))
        principal = balance if k == term_months - 1 else level - interest
        if not 0 <= principal <= balance:
            if payment is not None:
                raise ValueError(
                    f"payment {level} does not amortise the lease over {term_months} months "
                    f"(instalment {k + 1}: principal {principal}, balance {balance})"
                )
            principal = min(max(principal, 0), balance)  # a derived payment's yen rounding, on tiny amounts
        balance -= principal
        lines.append(LeasePayment(due, principal + interest, interest, principal, balance))
    return tuple(lines)


def _years_after(as_of: dt.date, years: int) -> dt.date:
    return _add_months(as_of, 12 * years)


def _principal_due(schedule: Iterable[LeasePayment], after: dt.date, through: dt.date | None) -> int:
    return sum(p.principal for p in schedule if after < p.due and (through is None or p.due <= through))


def current_portion(schedule: Sequence[LeasePayment], as_of: dt.date) -> int:
    """Principal due within one year after the balance-sheet date: the 流動負債 part.

    ``as_of < due ≤ as_of + 1 year`` (one-year rule, 企業会計基準第13号 ¶17). The
    rest of the outstanding principal is 固定負債. Under 利子込み法 this is the sum of the
    payments due.
    """
    return _principal_due(schedule, as_of, _years_after(as_of, 1))


class MaturityBuckets(NamedTuple):
    """リース債務の返済予定額 as published in the 注記, by time after the balance-sheet date."""

    within_1y: int  # 1年以内
    over_1y_within_2y: int  # 1年超2年以内
    over_2y_within_3y: int  # 2年超3年以内
    over_3y_within_4y: int  # 3年超4年以内
    over_4y_within_5y: int  # 4年超5年以内
    over_5y: int  # 5年超

    @property
    def total(self) -> int:
        return sum(self)


def maturity_buckets(schedule: Sequence[LeasePayment], as_of: dt.date) -> MaturityBuckets:
    """Outstanding principal split into the 注記 buckets; they sum to the balance at ``as_of``.

    Bucket k holds principal with ``as_of + k years < due ≤ as_of + (k+1) years``; instalments
    due on or before ``as_of`` are paid and appear nowhere.
    """
    edges = [_years_after(as_of, k) for k in range(6)]
    ends: list[dt.date | None] = [*edges[1:], None]  # the last bucket, 5年超, is open-ended
    return MaturityBuckets._make(_principal_due(schedule, after, through) for after, through in zip(edges, ends, strict=True))


# --------------------------------------------------------------------------- 6.3 賞与引当金


def bonus_provision(
    expected_payment: int, months_accrued: int, months_of_period: int, *, rounding: Rounding = Rounding.TRUNCATE
) -> int:
    """賞与引当金 at the balance-sheet date::

        賞与引当金 = 翌期支給見込額 × 支給対象期間のうち当期に属する月数 / 支給対象期間の月数

    (引当金: 企業会計原則注解18.) E.g. a June bonus covering December–May: 4/6 of the
    expected payment at 3/31. 切捨て by default (``Rounding.TRUNCATE``, the usual yen rule for
    provisions); pass ``Rounding.HALF_UP`` if the 会計規程 says 四捨五入. 法定福利費 on the bonus, where
    provided for, is a second call on its own base.
    """
    _yen("expected_payment", expected_payment)
    if months_of_period <= 0 or not 0 <= months_accrued <= months_of_period:
        raise ValueError(f"need 0 ≤ months_accrued ≤ months_of_period, got {months_accrued}/{months_of_period}")
    if not isinstance(rounding, Rounding):
        raise TypeError(f"rounding must be a Rounding (TRUNCATE 切捨て or HALF_UP 四捨五入), got {rounding!r}")
    return to_yen(Fraction(expected_payment * months_accrued, months_of_period), rounding)


# --------------------------------------------------------------------------- 6.4 退職給付引当金


class RetirementProvision(NamedTuple):
    closing: int  # 退職給付引当金 (期末)
    expense: int  # 退職給付費用 (当期); negative when the obligation fell by more than was paid


def retirement_provision(voluntary_amounts: Iterable[int], opening: int, payments: int) -> RetirementProvision:
    """退職給付引当金 by the 簡便法 that takes 期末自己都合要支給額 as the obligation.

    (企業会計基準適用指針第25号, 小規模企業等の簡便法; no plan assets.)::

        退職給付債務(期末)  = Σ employees' 期末自己都合要支給額
        退職給付引当金(期末) = 退職給付債務(期末)
        退職給付費用(当期)  = 引当金(期末) − 引当金(期首) + 当期退職金支給額

    The payments were booked against the provision during the year (退職給付引当金 / 現金預金),
    so the year-end entry 退職給付費用 / 退職給付引当金 is exactly ``expense``.
    """
    closing = sum(_yen("voluntary amount", a) for a in voluntary_amounts)
    expense = closing - _yen("opening", opening) + _yen("payments", payments)
    return RetirementProvision(closing, expense)


# --------------------------------------------------------------------------- 6.5 資産除去債務


def aro_initial(cash_flow: int, years: int, rate: Decimal) -> int:
    """資産除去債務 at initial recognition (企業会計基準第18号)::

        ARO₀ = CF / (1 + r)^years          (yen rounded half-up)

    CF is the undiscounted removal outflow, r the risk-free pre-tax rate fixed at
    recognition (r₀, kept per obligation).
    """
    _yen("cash_flow", cash_flow)
    _rate("rate", rate)
    if years < 0:
        raise ValueError(f"years must not be negative, got {years}")
    return half_up(Fraction(cash_flow) / (1 + Fraction(rate)) ** years)  # 四捨五入 (企業会計基準第18号: measured once)


def aro_accretion(opening: int, rate: Decimal, months: int = 12) -> int:
    """時の経過による調整額 (企業会計基準第18号)::

        調整額_t = ARO_{t−1} × r₀ × months / 12          (yen rounded half-up)

    r₀ stays the rate of initial recognition. ``months`` < 12 in the year of recognition
    (the months from the recognition month to the year end). Booked to the same PL line as
    the related asset's depreciation.
    """
    _yen("opening", opening)
    if not 0 <= months <= 12:
        raise ValueError(f"months must lie in 0..12, got {months}")
    return half_up(Fraction(opening) * Fraction(_rate("rate", rate)) * months / 12)  # 四捨五入 per year


class AroYear(NamedTuple):
    fiscal_year: int
    opening: int
    accretion: int  # 時の経過による調整額
    closing: int


def aro_schedule(cash_flow: int, years: int, rate: Decimal, first_fiscal_year: int, *,
                 initial: int | None = None, first_months: int = 12) -> tuple[AroYear, ...]:
    """The liability from recognition to settlement: one line per year, ``years`` lines.

    Each year accretes ``aro_accretion`` (四捨五入); the last year (the one before the
    settlement year) instead accretes whatever brings the balance to ``cash_flow`` exactly,
    so per-year rounding never leaves a residue at removal (企業会計基準第18号: the liability
    reaches the 割引前将来キャッシュ・フロー when the asset is removed; domain.md §6.5). The
    balance is never accreted past ``cash_flow`` (half-up rounding could do that only on
    obligations of a few yen).

    ``initial`` is the balance the schedule starts from (default: ``aro_initial``, the
    present value; or a balance carried over from an earlier register); ``first_months``
    the months the first year accretes (fewer than 12 in a year of recognition that began
    before it).
    """
    balance = aro_initial(cash_flow, years, rate) if initial is None else _yen("initial", initial)
    if balance > cash_flow:
        raise ValueError(f"the balance {balance:,} exceeds the undiscounted amount {cash_flow:,}")
    lines = []
    for k in range(years):
        months = first_months if k == 0 else 12
        room = cash_flow - balance
        accretion = room if k == years - 1 else min(aro_accretion(balance, rate, months), room)
        lines.append(AroYear(first_fiscal_year + k, balance, accretion, balance + accretion))
        balance += accretion
    return tuple(lines)


# --------------------------------------------------------------------------- 4.1 長期前受金取崩


def grant_drawdown(
    depreciation: int, funded_amount: int, acquisition_cost: int, *, opening_balance: int | None = None, final: bool = False
) -> int:
    """長期前受金取崩 (長期前受金戻入 / 資産見返○○戻入) for one asset and year::

        取崩額 = 減価償却費 × 補助金充当額 / 取得価額      (yen truncated)

    (長期前受金戻入 of 地方公営企業会計; 独法会計基準 第80 by analogy; domain.md §4.1.)
    The drawdown never exceeds ``opening_balance``; in the asset's ``final`` year it is the
    whole remaining balance, so over the life the drawdowns sum to the funded amount even
    though each year truncates and the ¥1 備忘価額 keeps a sliver of depreciation back.
    Per-year truncation lets 長期前受金残高 / 補助金充当額 lag 帳簿価額 / 取得価額 by under
    one yen per year elapsed; the final year closes the gap.
    """
    _yen("depreciation", depreciation)
    _yen("funded_amount", funded_amount)
    if acquisition_cost <= 0 or funded_amount > acquisition_cost:
        raise ValueError(f"need 0 ≤ funded_amount ≤ acquisition_cost > 0, got {funded_amount}/{acquisition_cost}")
    amount = truncate(Fraction(depreciation * funded_amount, acquisition_cost))  # 切捨て; the final year takes the rest
    if opening_balance is None:
        return amount
    _yen("opening_balance", opening_balance)
    return opening_balance if final else min(amount, opening_balance)


def grant_drawdown_schedule(depreciations: Sequence[int], funded_amount: int, acquisition_cost: int) -> tuple[int, ...]:
    """``grant_drawdown`` over a whole depreciation schedule; sums to ``funded_amount``."""
    balance, out = funded_amount, []
    for k, depreciation in enumerate(depreciations):
        amount = grant_drawdown(
            depreciation, funded_amount, acquisition_cost, opening_balance=balance, final=k == len(depreciations) - 1
        )
        out.append(amount)
        balance -= amount
    return tuple(out)

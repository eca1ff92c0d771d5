"""Schedules derived from one register row, computed once per row and indexed by year.

A fixed asset's depreciation (every fiscal year from 供用開始 to the end of its life, the
carried-over 期首減価償却累計額 rolled forward from ``opening_year``, the 改定取得価額
switch), a lease's repayment schedule and a 資産除去債務's balances depend on their register
row alone. Rows are frozen (ledger/subledgers.py), so each schedule is a module-level
function cached on the row: the depreciation and grant-drawdown steps, the lease
reclassification, the notes' inputs and the register tie-out all read the same schedule,
however often a command reads the registers. One asset costs one pass over its years,
not one per year asked for.

The caches hold the ``CACHE_ROWS`` rows used last (per kind of schedule). A register with
more rows than that is recomputed where a command reads it again, still one pass per
asset and reading.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ..ledger.model import fiscal_year_of
from ..ledger.subledgers import Asset, Lease, Obligation
from . import formulas

CACHE_ROWS = 1 << 14


# --------------------------------------------------------------------------- 固定資産


def in_service(asset: Asset, year: int) -> bool:
    """Depreciated in ``year``: in use by then, and not disposed of before it. In its
    disposal year an owned asset is not depreciated (the disposal removes cost and
    accumulated depreciation as they stood at the previous year end) unless the book's
    ``disposal_year_depreciation`` is ``monthly`` (then up to the disposal month); a lease
    asset is, up to the disposal month, as its lease term runs out (リース期間満了)."""
    if fiscal_year_of(asset.in_use) > year or asset.disposed is None:
        return fiscal_year_of(asset.in_use) <= year
    gone = fiscal_year_of(asset.disposed)
    return gone > year or (gone == year and (asset.method == "lease" or asset.disposal_months))


@dataclass(frozen=True)
class _Run:
    """Consecutive fiscal years from ``start``: each one's 期首減価償却累計額 and 減価償却費.

    The run stops at the first year whose amount could not be computed (``failure``, e.g. a
    carried-over 定率法 asset past its switch without ``revised_base``): asking for that
    year's amount, or a later year's opening, raises it again, as computing it would.
    After the last year nothing changes any more (the life is over).
    """

    start: int
    openings: tuple[int, ...]  # start, start + 1, …: one more than amounts unless it failed
    amounts: tuple[int, ...]
    failure: Exception | None = None

    def opening(self, year: int) -> int:
        k = year - self.start
        if k <= 0:
            return self.openings[0]
        if k < len(self.openings):
            return self.openings[k]
        if self.failure is not None:
            raise self.failure.with_traceback(None)
        return self.openings[-1]

    def amount(self, year: int) -> int:
        k = year - self.start
        if 0 <= k < len(self.amounts):
            return self.amounts[k]
        if self.failure is not None and k >= len(self.amounts):
            raise self.failure.with_traceback(None)
        return 0


@dataclass(frozen=True)
class AssetSchedule:
    """One asset's depreciation for every fiscal year: ``depreciation(year)`` (0 outside its
    service years) and ``accumulated_at_opening(year)`` (期首減価償却累計額).

    Years before ``opening_year`` (or all years, for an asset without a carried-over
    ``opening_accumulated``) are replayed from 供用開始; from ``opening_year`` on, the
    carried-over figure is rolled forward by the formula, year by year.
    """

    asset: Asset
    replayed: _Run
    carried: _Run | None  # from opening_year, when the register carries a figure over

    def _run(self, year: int) -> _Run:
        return self.carried if self.carried is not None and year >= self.carried.start else self.replayed

    def depreciation(self, year: int) -> int:
        if self.asset.method == "none" or not in_service(self.asset, year):
            return 0
        return self._run(year).amount(year)

    def accumulated_at_opening(self, year: int) -> int:
        return self._run(year).opening(year)

    def last_year(self) -> int:
        """The last year the schedule covers: after it nothing changes any more."""
        run = self.carried if self.carried is not None else self.replayed
        return run.start + max(len(run.amounts) - 1, 0)

    @cached_property
    def drawdowns(self) -> dict[int, int]:
        """長期前受金取崩 of the asset's grant by year (years not listed: none).

        formulas.grant_drawdown_schedule over the depreciation from 供用開始 to the year the
        asset is done with: the year it is fully depreciated (cost − 備忘価額; a lease: its
        cost), or the year it is disposed of, if that comes first (an owned asset is not
        depreciated then; domain.md §4.1: on disposal the unamortised remainder is
        released). Each year draws down 減価償却費 × 補助金充当額 / 取得価額 (切捨て) and the
        last one whatever is left, so the drawdowns sum exactly to ``funded_amount``. A
        non-depreciable asset releases its grant when it is disposed of.
        """
        a = self.asset
        if not a.grant_account or not a.funded_amount:
            return {}
        first = fiscal_year_of(a.in_use)
        end = self._grant_end(first)
        if end is None:
            return {}
        years = range(first, end + 1)
        depreciations = [self.depreciation(y) for y in years]
        return dict(zip(years, formulas.grant_drawdown_schedule(depreciations, a.funded_amount, a.cost), strict=True))

    def _grant_end(self, first: int) -> int | None:
        a = self.asset
        done = None
        if a.method != "none":
            final = a.cost if a.method == "lease" else _fully_depreciated(a)
            for year in range(first, self.last_year() + 1):
                if self.accumulated_at_opening(year) + self.depreciation(year) >= (final or 0):
                    done = year
                    break
        if a.disposed is not None:
            gone = fiscal_year_of(a.disposed)
            return gone if done is None or done >= gone else done
        if done is None and a.method != "none":
            return self.last_year()  # a carried-over lease short of its cost: its term is over
        return done


Amount = Callable[[int, int], int]  # (fiscal year, 期首累計) → 減価償却費


def _formulas(asset: Asset) -> tuple[Amount, Amount, int]:
    """(replayed amount, rolled-forward amount, last year that can depreciate) of ``asset``."""
    a = asset
    if a.method == "lease":  # リース期間定額法; rolled forward: never beyond what is left (residual value 0)
        term = a.lease_months
        if term is None:
            return _failing(ValueError(f"lease asset {a.asset} has no lease_months"), a)

        def replayed(year: int, _accumulated: int) -> int:
            return formulas.lease_depreciation(a.cost, term, a.in_use, year, until=a.disposed, rounding=a.lease_rounding)

        def rolled(year: int, accumulated: int) -> int:
            return min(a.cost - accumulated, replayed(year, accumulated))

        end = a.in_use.year * 12 + a.in_use.month - 1 + max(term, 1) - 1  # month index of the term's end
        return replayed, rolled, fiscal_year_of(dt.date(end // 12, end % 12 + 1, 1))
    if a.method == "none":
        return (lambda year, accumulated: 0), (lambda year, accumulated: 0), fiscal_year_of(a.in_use)
    if a.useful_life is None:
        return _failing(ValueError(f"asset {a.asset} ({a.method}) has no useful_life"), a)
    try:
        d = formulas.Depreciation(a.cost, a.useful_life, formulas.as_method(a.method), a.in_use,
                                  keep_memo=_memo(a) > 0)
    except Exception as exc:  # e.g. a useful life without statutory rates: raised where used
        return _failing(exc, a)
    return (_to_disposal(a, lambda year, accumulated: d.annual(year)),
            _to_disposal(a, lambda year, accumulated: d.annual(year, opening_accumulated=accumulated,
                                                                 revised_base=a.revised_base)),
            d.final_year)


def _memo(asset: Asset) -> int:
    """The 備忘価額 of an owned asset: its class's (closing option memorandum_value), else ¥1
    with a contra account and 0 when it is written off directly."""
    if asset.memo_value is not None:
        return asset.memo_value
    return formulas.MEMO_VALUE if asset.contra_account is not None else 0


def _to_disposal(asset: Asset, amount: Amount) -> Amount:
    """With ``disposal_year_depreciation = "monthly"``: in the disposal year, the year's amount
    × the months in use up to the disposal month / the months it would have been in use
    (切捨て); other years as they are."""
    disposed = asset.disposed
    if disposed is None or not asset.disposal_months:
        return amount
    gone = fiscal_year_of(disposed)

    def prorated(year: int, accumulated: int) -> int:
        full = amount(year, accumulated)
        if year != gone:
            return full
        start = max(formulas.month_index(dt.date(gone, 4, 1)), formulas.month_index(asset.in_use))
        months = formulas.month_index(disposed) - start + 1  # the disposal month counts whole
        whole = formulas.month_index(dt.date(gone + 1, 3, 1)) - start + 1
        return formulas.prorate(full, max(months, 0), whole)

    return prorated


def _failing(error: Exception, asset: Asset) -> tuple[Amount, Amount, int]:
    """Formulas that raise ``error`` for every year asked for (``_run`` keeps it for that year)."""
    def failing(year: int, accumulated: int) -> int:
        raise error.with_traceback(None)

    return failing, failing, fiscal_year_of(asset.in_use)


def _run(asset: Asset, start: int, stop: int, opening: int, amount: Amount, *, run_on: bool = False) -> _Run:
    """The years ``start`` … ``stop`` from ``opening``, each amount computed once.

    With ``run_on`` (a 累計額 carried over from another register), an owned asset still short
    of cost − 備忘価額 after ``stop`` (its figure was below what the formula would have
    booked) runs on: after its useful life it is depreciated at the yearly limit until the
    floor is reached (formulas.annual_depreciation), and those years are part of its schedule.
    """
    openings = [opening]
    amounts: list[int] = []
    target = _fully_depreciated(asset) if run_on else None
    year = start
    while year <= stop or (target is not None and openings[-1] < target and in_service(asset, year)):
        if year > stop + 200:  # after the life every year books ≥ ¥1 and at least the yearly limit
            raise RuntimeError(f"asset {asset.asset}: the depreciation does not end")
        if asset.method == "none" or not in_service(asset, year):
            a = 0
        else:
            try:
                a = amount(year, openings[-1])
            except Exception as exc:  # kept, and raised where this year is asked for
                return _Run(start, tuple(openings), tuple(amounts), exc)
        amounts.append(a)
        openings.append(openings[-1] + a)
        year += 1
    return _Run(start, tuple(openings), tuple(amounts))


def _fully_depreciated(asset: Asset) -> int | None:
    """The 累計額 at which an owned depreciable asset is done: cost − 備忘価額 (cost when it
    is written off directly); None for lease and non-depreciable assets (a lease ends with
    its term)."""
    if asset.method not in (formulas.STRAIGHT_LINE, formulas.DECLINING_200):
        return None
    return asset.cost - _memo(asset)


@lru_cache(maxsize=CACHE_ROWS)
def asset_schedule(asset: Asset) -> AssetSchedule:
    """The depreciation schedule of one 固定資産台帳 row (computed once per row)."""
    replayed, rolled, last = _formulas(asset)
    first = fiscal_year_of(asset.in_use)
    if asset.opening_accumulated is None:
        return AssetSchedule(asset, _run(asset, first, max(last, first), 0, replayed), None)
    carried_from = asset.opening_year
    if carried_from is None:
        raise ValueError(f"asset {asset.asset}: opening_accumulated needs the opening_year it is the opening of")
    return AssetSchedule(asset, _run(asset, first, min(last, carried_from - 1), 0, replayed),
                         _run(asset, carried_from, max(last, carried_from), asset.opening_accumulated, rolled,
                              run_on=True))


def asset_depreciation(asset: Asset, year: int) -> int:
    """This year's depreciation of one asset (0 outside its service years, see ``in_service``).

    An asset taken over from an earlier register starts from its carried-over
    期首減価償却累計額 (``opening_accumulated`` at the opening of ``opening_year``), rolled
    forward year by year.
    """
    if asset.method == "none" or not in_service(asset, year):
        return 0
    return asset_schedule(asset).depreciation(year)


def grant_drawdown(asset: Asset, year: int) -> int:
    """長期前受金取崩 of the grant funding ``asset`` in ``year`` (``AssetSchedule.drawdowns``)."""
    return asset_schedule(asset).drawdowns.get(year, 0)


def accumulated_at_opening(asset: Asset, year: int) -> int:
    """期首減価償却累計額 of ``year``: the carried-over figure rolled forward, or the replayed history."""
    return asset_schedule(asset).accumulated_at_opening(year)


def accumulated_at_end(asset: Asset, year: int) -> int:
    """The asset's 減価償却累計額 at the end of ``year``."""
    return accumulated_at_opening(asset, year) + asset_depreciation(asset, year)


# --------------------------------------------------------------------------- リース債務


@lru_cache(maxsize=CACHE_ROWS)
def lease_schedule(lease: Lease) -> tuple[formulas.LeasePayment, ...]:
    """The repayment schedule of one lease (formulas.lease_debt_schedule), computed once per row."""
    return formulas.lease_debt_schedule(lease.amount, lease.term_months, lease.first_due, lease.monthly_rate,
                                        payment=lease.payment)


# --------------------------------------------------------------------------- 資産除去債務


class ObligationSchedule:
    """The balances of one 資産除去債務 at the opening of each year, computed once each.

    Replayed from recognition, or, from ``opening_year`` on, rolled forward from the
    carried-over ``opening_balance``. With an ``undiscounted_amount`` the balances follow
    formulas.aro_schedule: the year before the ``expected_settlement`` year absorbs the
    rounding so the balance is the undiscounted amount exactly, and nothing accretes after
    it. Without one, an obligation has no last year (it accretes until it is settled), so
    the balances are extended as far as a caller asks.
    """

    def __init__(self, o: Obligation):
        self.o = o
        self._carried: tuple[int, int] | None = None  # (opening_year, opening_balance) carried over
        if o.opening_balance is not None:
            if o.opening_year is None:
                raise ValueError(f"obligation {o.obligation}: opening_balance needs the opening_year it is the opening of")
            self._carried = (o.opening_year, o.opening_balance)
        self._lock = threading.Lock()
        self._carried_balances: list[int] = []  # from opening_year
        self._replayed_balances: list[int] = []  # from the year after recognition
        self._first_accretion: int | None = None  # the year of recognition's (part-year) accretion
        self._last: int | None = None  # the last year that accretes (the one before the settlement year)
        if o.undiscounted_amount is not None:
            self._last = self._last_year(o, o.undiscounted_amount)

    @staticmethod
    def _last_year(o: Obligation, target: int) -> int:
        if o.expected_settlement is None:
            raise ValueError("undiscounted_amount needs the expected_settlement it is reached by")
        last = fiscal_year_of(o.expected_settlement) - 1
        if last < fiscal_year_of(o.recognised):
            raise ValueError(f"expected_settlement {o.expected_settlement} must fall after the fiscal year of "
                             f"recognition ({o.recognised})")
        for name, value in (("initial_amount", o.initial_amount), ("opening_balance", o.opening_balance)):
            if value is not None and value > target:
                raise ValueError(f"{name} {value:,} exceeds the undiscounted_amount {target:,}")
        return last

    def opening(self, year: int) -> int:
        """The balance at the opening of ``year``: carried over, or replayed from recognition."""
        start, balances = self._path(year)
        return balances[min(max(0, year - start), len(balances) - 1)]

    def accretion(self, year: int) -> int:
        """時の経過による調整額 of ``year`` (nothing before recognition; see obligation_accretion)."""
        first = fiscal_year_of(self.o.recognised)
        if year < first:
            return 0
        if year == first:
            with self._lock:
                self._replayed()
            assert self._first_accretion is not None
            return self._first_accretion
        if self._last is None:
            return formulas.aro_accretion(self.opening(year), self.o.discount_rate)
        start, balances = self._path(year)
        k = year - start
        return balances[k + 1] - balances[k] if 0 <= k < len(balances) - 1 else 0

    def _path(self, year: int) -> tuple[int, list[int]]:
        """(first year, opening balances from it) of the path ``year`` is on, extended to ``year``."""
        o, carried = self.o, self._carried
        with self._lock:
            if carried is not None and year >= carried[0]:
                start, balances = carried[0], self._carried_balances
                if not balances:
                    balances.append(carried[1])
                    if self._last is not None:
                        balances += self._closings(start, carried[1], 12)
            else:
                start, balances = self._replayed()
            if self._last is None:
                while len(balances) <= year - start:
                    balances.append(balances[-1] + formulas.aro_accretion(balances[-1], o.discount_rate))
            return start, balances

    def _replayed(self) -> tuple[int, list[int]]:
        """The replayed path: the balances from the opening of the year after recognition (under the lock)."""
        o, balances = self.o, self._replayed_balances
        first = fiscal_year_of(o.recognised)
        if not balances:
            months = formulas.months_in_use(o.recognised, first)
            if self._last is None:
                self._first_accretion = formulas.aro_accretion(o.initial_amount, o.discount_rate, months)
                balances.append(o.initial_amount + self._first_accretion)
            else:
                balances += self._closings(first, o.initial_amount, months)
                self._first_accretion = balances[0] - o.initial_amount
        return first + 1, balances

    def _closings(self, start: int, balance: int, first_months: int) -> list[int]:
        """The year-end balances from ``start`` to the last year that accretes (formulas.aro_schedule)."""
        o, last = self.o, self._last
        assert last is not None and o.undiscounted_amount is not None
        if start > last:
            return []
        lines = formulas.aro_schedule(o.undiscounted_amount, last - start + 1, o.discount_rate, start,
                                      initial=balance, first_months=first_months)
        return [line.closing for line in lines]


@lru_cache(maxsize=CACHE_ROWS)
def obligation_schedule(o: Obligation) -> ObligationSchedule:
    return ObligationSchedule(o)


def obligation_opening(o: Obligation, year: int) -> int:
    """The balance at the opening of ``year``: carried over, or replayed from recognition."""
    return obligation_schedule(o).opening(year)


def obligation_accretion(o: Obligation, year: int) -> int:
    """時の経過による調整額 of ``year``: opening balance × 割引率 (四捨五入); in the year of
    recognition, the initial amount × 割引率 × months from the recognition month; in the
    year before the expected settlement, whatever brings the balance to the undiscounted
    amount; nothing in the year the obligation is settled (or expected to be), or after."""
    if o.settled is not None and fiscal_year_of(o.settled) <= year:
        return 0
    return obligation_schedule(o).accretion(year)


def clear_caches() -> None:
    """Forget every cached schedule (tests; a long-running process after registers changed
    need not: a changed row is a different key)."""
    for f in (asset_schedule, lease_schedule, obligation_schedule):
        f.cache_clear()

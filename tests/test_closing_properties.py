"""Property tests of the whole closing (hypothesis): random registers closed year after year.

A random world of fixed assets (定額法, 200%定率法, lease; with and without 長期前受金; some
carried over from an earlier register, some disposed of), their lease debts, 資産除去債務,
provisions and 法人住民税 is booked year by year: the year's own entries (acquisitions, grant
funding, disposals, lease payments, 目的使用, settlements), then ``closing.pipeline.run`` on
the evolving ``ClosingState``, until every asset, lease and obligation has run its course.
Every year:

* every proposed entry balances in total and in every segment, and has no 0-yen posting;
* ``closing.tieout.register_ties`` passes (the registers agree with the ledger);
* re-running the year on the state it produced changes nothing (``batch.plan``: every step
  unchanged).

Over the whole life: each asset's depreciation sums to cost − 備忘価額 (cost for a lease or an
asset written off directly; what the disposal left, for one disposed of), the drawdowns of
its 長期前受金 to the funded amount, and each obligation's accretion brings it exactly to its
undiscounted amount by the settlement, which then clears it.

Each asset, grant and obligation posts to its own expense, 長期前受金 or 資産除去債務 account,
so the totals above are read from the entries, not from the schedules under test.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kessan.closing import batch, formulas, pipeline
from kessan.closing.rates import rates
from kessan.closing.state import ClosingState
from kessan.closing.tieout import register_ties
from kessan.ledger.model import Book, Cell, Entry, Posting, fiscal_year_of
from kessan.ledger.rounding import truncate
from kessan.ledger.subledgers import Asset, Lease, Obligation, Office, Provision, Subledgers

from .closing_book import SEGMENTS, make_book, next_year

START = 2020
CASH = "1110"
REMOVAL_COST = "1390"  # the removal cost capitalised with a 資産除去債務 (not in the fixed-asset register here)
CLASSES = {  # method → (cost account, contra account)
    "straight_line": ("1310", "1311"), "declining_200": ("1320", "1321"), "lease": ("1340", "1341"),
    "direct": ("1420", None),  # 定額法, written off directly (ソフトウェア)
}


# --------------------------------------------------------------------------- the random world


@dataclass
class World:
    assets: list[Asset]
    leases: list[Lease]
    obligations: list[Obligation]
    offices: list[Office]
    rnd: random.Random  # per-year figures: provisions, their use
    extra_accounts: dict[str, tuple[str, str]] = field(default_factory=dict)


def _month_end(d: dt.date) -> dt.date:
    following = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


@st.composite
def assets(draw, i: int, max_life: int):
    kind = draw(st.sampled_from(["straight_line", "declining_200", "lease", "direct", "carried"]))
    seg = draw(st.sampled_from(SEGMENTS))
    cost = draw(st.one_of(st.integers(1, 50), st.integers(1, 10**9)))
    in_use = draw(st.dates(dt.date(START, 4, 1), dt.date(START + 3, 3, 31)))
    funded = draw(st.one_of(st.just(0), st.integers(0, cost)))
    grant = f"23{i:02d}" if funded else None
    expense = f"51{i:02d}"
    method = "straight_line" if kind in ("direct", "carried") else kind
    cost_acc, contra = CLASSES["straight_line" if kind == "carried" else kind]
    life = draw(st.integers(2, max_life)) if method != "lease" else None
    months = draw(st.integers(1, 12 * max_life)) if method == "lease" else None
    opening_accumulated = opening_year = None
    if kind == "carried":  # taken over at START with its 期首減価償却累計額, maybe short of its life's
        in_use = draw(st.dates(dt.date(START - 20, 4, 1), dt.date(START - 1, 3, 31)))
        opening_accumulated, opening_year = draw(st.integers(0, cost - 1)), START
        grant, funded = None, 0  # a carried-over asset's 長期前受金 history is not in the register
    disposed = None
    if method == "lease":
        if draw(st.booleans()):  # リース期間満了: the last day of the term
            index = in_use.year * 12 + in_use.month - 1 + months - 1
            disposed = _month_end(dt.date(index // 12, index % 12 + 1, 1))
    elif draw(st.integers(0, 3)) == 0:
        first = fiscal_year_of(in_use) if kind != "carried" else START
        year = draw(st.integers(max(first, START), max(first, START) + (life or 2) + 1))
        disposed = draw(st.dates(dt.date(year, 4, 1), dt.date(year + 1, 3, 31)))
    return Asset(f"A{i}", f"資産{i}", seg, cost_acc, contra, expense, method, life, months, in_use, cost,
                 grant, funded, disposed, opening_accumulated, opening_year)


@st.composite
def obligations(draw, i: int, max_life: int):
    seg = draw(st.sampled_from(SEGMENTS))
    rate = draw(st.decimals(min_value=0, max_value=Decimal("0.05"), places=4))
    cash_flow = draw(st.one_of(st.integers(0, 100), st.integers(0, 10**9)))
    if draw(st.booleans()):  # recognised now, at its present value or any lower estimate
        recognised = draw(st.dates(dt.date(START, 4, 1), dt.date(START + 2, 3, 31)))
        years = draw(st.integers(1, max_life))
        initial = draw(st.sampled_from([formulas.aro_initial(cash_flow, years, rate), cash_flow // 2]))
        opening = opening_year = None
    else:  # carried over with its balance at the opening of START, settled in a later year
        recognised = draw(st.dates(dt.date(START - 15, 4, 1), dt.date(START - 1, 3, 31)))
        years = START + draw(st.integers(1, max_life)) - fiscal_year_of(recognised)
        initial = formulas.aro_initial(cash_flow, years, rate)
        opening, opening_year = draw(st.integers(initial, cash_flow)), START
    settlement = dt.date(fiscal_year_of(recognised) + years, 4, 1) + dt.timedelta(days=draw(st.integers(0, 364)))
    return Obligation(f"O{i}", f"原状回復{i}", seg, f"22{90 + i}", "5190", recognised, rate, initial, opening,
                      opening_year, settlement, cash_flow, settlement)


@st.composite
def worlds(draw, max_life: int = 12):
    fixed = [draw(assets(i, max_life)) for i in range(draw(st.integers(1, 6)))]
    leases = []
    for a in fixed:
        if a.method == "lease" and a.lease_months is not None:
            rate = draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=Decimal("0.005"), places=4)))
            leases.append(Lease(a.asset, a.segment, _month_end(a.in_use), a.lease_months, a.cost, rate, None))
    aros = [draw(obligations(i, max_life)) for i in range(draw(st.integers(0, 3)))]
    offices = [Office(f"事務所{s}", "東京都", s, draw(st.integers(0, 10**6)),
                      draw(st.one_of(st.none(), st.dates(dt.date(START, 4, 1), dt.date(START + 1, 3, 31)))))
               for s in draw(st.lists(st.sampled_from(SEGMENTS), max_size=2, unique=True))]
    extra = {REMOVAL_COST: ("除去費用", "asset")}
    extra |= {a.expense_account: (f"減価償却費 {a.asset}", "expense") for a in fixed}
    extra |= {a.grant_account: (f"長期前受金 {a.asset}", "liability") for a in fixed if a.grant_account}
    extra |= {o.account: (f"資産除去債務 {o.obligation}", "liability") for o in aros}
    return World(fixed, leases, aros, offices, draw(st.randoms(use_true_random=False)), extra)


# --------------------------------------------------------------------------- booking a year


def _entry(year: int, memo: str, *postings: tuple[str, str, int]) -> Entry:
    return Entry(memo, dt.date(year + 1, 3, 31), "regular", memo,
                 tuple(Posting(s, a, v) for s, a, v in postings if v))


def _provisions(w: World, year: int) -> tuple[Provision, ...]:
    rows = []
    for s in SEGMENTS:
        bonus = w.rnd.choice([0, w.rnd.randint(0, 10**8)])
        rows.append(Provision(f"B{s}", "賞与", s, "2140", "5160", "bonus", bonus, dt.date(year, 12, 1),
                              dt.date(year + 1, 5, 31)))
        for expense in ("5160", "5260"):  # one provision over two expense accounts
            rows.append(Provision(f"R{s}{expense}", "退職給付", s, "2220", expense, "retirement_simplified",
                                  w.rnd.choice([0, w.rnd.randint(0, 10**8)])))
    return tuple(rows)


def _subledgers(w: World, year: int) -> Subledgers:
    """The registers of ``year``: a lease debt is in its register from its contract on."""
    started = {a.asset for a in w.assets if fiscal_year_of(a.in_use) <= year}
    return Subledgers(assets=tuple(w.assets), leases=tuple(x for x in w.leases if x.lease in started),
                      obligations=tuple(w.obligations), provisions=_provisions(w, year), offices=tuple(w.offices))


@dataclass
class Tally:
    depreciation: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per asset
    drawdown: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per asset
    accretion: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # per obligation


def _opening_state(book: Book, w: World) -> ClosingState:
    """The balances at the opening of START: the carried-over assets and obligations."""
    bal: dict[tuple[str, str], int] = defaultdict(int)
    for a in w.assets:
        if a.opening_accumulated is not None and (a.disposed is None or fiscal_year_of(a.disposed) >= START):
            bal[(a.segment, a.cost_account)] += a.cost
            bal[(a.segment, a.contra_account or a.cost_account)] -= a.opening_accumulated
            bal[(a.segment, "3210")] -= a.cost - a.opening_accumulated
    for o in w.obligations:
        if o.opening_balance is not None:
            bal[(o.segment, o.account)] -= o.opening_balance
            bal[(o.segment, "3210")] += o.opening_balance
    cells = tuple(Cell(s, acc, None, None, v, 0, 0) for (s, acc), v in bal.items() if v)
    return ClosingState(book, START, cells, Subledgers())


def _year_entries(w: World, year: int, s: ClosingState, tally: Tally) -> list[Entry]:
    """The year's own entries, booked before the closing."""
    fy = s.book.fiscal_year(year)
    out = []
    for a in w.assets:
        if fiscal_year_of(a.in_use) == year and a.opening_accumulated is None:
            # 取得 for cash; a lease asset against its debt (the present value), booked 固定
            credit = "2270" if a.method == "lease" else CASH
            out.append(_entry(year, f"取得 {a.asset}", (a.segment, a.cost_account, a.cost), (a.segment, credit, -a.cost)))
            if a.grant_account:
                out.append(_entry(year, f"補助金 {a.asset}", (a.segment, CASH, a.funded_amount),
                                  (a.segment, a.grant_account, -a.funded_amount)))
        if a.disposed is not None and fiscal_year_of(a.disposed) == year:
            if a.method == "lease":  # リース期間満了: fully depreciated by the year end
                out.append(_entry(year, f"満了 {a.asset}", (a.segment, a.contra_account or "", a.cost),
                                  (a.segment, a.cost_account, -a.cost)))
            else:  # 除却: cost and 累計額 as they stood at the previous year end
                gone = (a.opening_accumulated or 0) + tally.depreciation[a.asset]
                if a.contra_account is None:  # written off directly: what is left of the cost
                    out.append(_entry(year, f"除却 {a.asset}", (a.segment, "5990", a.cost - gone),
                                      (a.segment, a.cost_account, -(a.cost - gone))))
                else:
                    out.append(_entry(year, f"除却 {a.asset}", (a.segment, a.contra_account, gone),
                                      (a.segment, "5990", a.cost - gone), (a.segment, a.cost_account, -a.cost)))
    for lease in s.subledgers.leases:
        due = [p for p in _lease_schedule(lease) if fy.start <= p.due <= fy.end]
        principal, interest = sum(p.principal for p in due), sum(p.interest for p in due)
        out.append(_entry(year, f"リース料 {lease.lease}", (lease.segment, "2160", principal),
                          (lease.segment, "5190", interest), (lease.segment, CASH, -principal - interest)))
    for o in w.obligations:
        if fiscal_year_of(o.recognised) == year and o.opening_balance is None:  # 資産除去債務 計上 (and the asset's cost)
            out.append(_entry(year, f"計上 {o.obligation}", (o.segment, REMOVAL_COST, o.initial_amount),
                              (o.segment, o.account, -o.initial_amount)))
        if o.settled is not None and fiscal_year_of(o.settled) == year:
            balance = -s.balance(o.segment, o.account)
            assert balance == o.undiscounted_amount, (o, balance)  # settled at exactly the undiscounted amount
            out.append(_entry(year, f"履行 {o.obligation}", (o.segment, o.account, balance), (o.segment, CASH, -balance)))
    for seg in SEGMENTS:  # 目的使用 of the provisions during the year
        for account in ("2140", "2220"):
            used = w.rnd.randint(0, max(0, -s.balance(seg, account)))
            out.append(_entry(year, f"目的使用 {seg} {account}", (seg, account, used), (seg, CASH, -used)))
    return [e for e in out if e.postings]


@lru_cache(maxsize=1024)
def _lease_schedule(lease: Lease) -> tuple[formulas.LeasePayment, ...]:
    return formulas.lease_debt_schedule(lease.amount, lease.term_months, lease.first_due, lease.monthly_rate)


def _done(w: World, year: int, tally: Tally) -> bool:
    """Nothing of the world happens in ``year`` or later."""
    for a in w.assets:
        if a.disposed is not None and fiscal_year_of(a.disposed) >= year:
            return False
        if a.disposed is None:
            floor = 1 if a.contra_account is not None and a.method != "lease" else 0
            if (a.opening_accumulated or 0) + tally.depreciation[a.asset] < a.cost - floor:
                return False
        if a.grant_account and tally.drawdown[a.asset] < a.funded_amount:
            return False
    if any(p.due > dt.date(year, 3, 31) for lease in w.leases for p in _lease_schedule(lease)):
        return False
    return not any(o.settled is not None and fiscal_year_of(o.settled) >= year for o in w.obligations)


# --------------------------------------------------------------------------- the checks


def _check_entries(entries: list[Entry]) -> None:
    for e in entries:
        assert e.postings, e
        assert all(p.amount != 0 for p in e.postings), e  # no 0-yen posting
        assert sum(p.amount for p in e.postings) == 0, e
        for seg in {p.segment for p in e.postings}:  # each segment balances on its own
            assert sum(p.amount for p in e.postings if p.segment == seg) == 0, e


def _check_limit(a: Asset, year: int, amount: int) -> None:
    """定額法: no year books more than its 償却限度額 ⌊取得価額 × 償却率 × 月数 / 12⌋ (別表第八), the
    last year of the useful life included; only a limit below ¥1 lets a residue go at once."""
    if a.method != "straight_line" or a.useful_life is None:
        return
    limit = truncate(a.cost * Fraction(rates(a.useful_life).straight_line) * formulas.months_in_use(a.in_use, year) / 12)
    assert amount <= limit or (limit == 0 and year > formulas.final_fiscal_year(a.in_use, a.useful_life)), (a, year, amount)


def close_every_year(w: World, horizon: int = 60) -> tuple[Tally, ClosingState]:
    """Close START, START + 1, … until nothing happens any more (at most ``horizon`` years)."""
    book = make_book(range(START, START + horizon + 1), w.extra_accounts)
    tally = Tally()
    s = _opening_state(book, w)
    year = START
    while not _done(w, year, tally):
        assert year < START + horizon, "the world does not end: an asset, a grant or an obligation is never done"
        subs = _subledgers(w, year)
        s = ClosingState(book, year, s.cells, subs)
        s = s.with_entries(_year_entries(w, year, s, tally))
        proposed = pipeline.run(s)
        for entries in proposed.values():
            _check_entries(entries)
        plans = batch.plan(book, year, s.cells, [], subs)
        posted = batch.batch_entries(plans)
        assert [e._replace(id="") for e in posted] == [e for step in proposed.values() for e in step]
        after = s.with_entries(posted)
        ties = register_ties(book, year, after.cells, subs)
        assert all(t.passed for t in ties), [t for t in ties if not t.passed]
        again = batch.plan(book, year, after.cells, posted, subs)  # a re-run on what it produced
        assert all(p.unchanged for p in again), [p.step for p in again if not p.unchanged]
        for e in proposed["depreciation"]:
            for p in e.postings:
                asset = next((a for a in w.assets if a.expense_account == p.account), None)
                if asset is not None:
                    _check_limit(asset, year, p.amount)
                    tally.depreciation[asset.asset] += p.amount
        for p in (p for e in proposed["grant_drawdown"] for p in e.postings):
            asset = next((a for a in w.assets if a.grant_account == p.account), None)
            if asset is not None:
                tally.drawdown[asset.asset] += p.amount
        for p in (p for e in proposed["aro_accretion"] for p in e.postings):
            o = next((o for o in w.obligations if o.account == p.account), None)
            if o is not None:
                tally.accretion[o.obligation] -= p.amount
        s = next_year(after)
        year += 1
    return tally, s


def check_life_totals(w: World, tally: Tally, end: ClosingState) -> None:
    for a in w.assets:
        total = (a.opening_accumulated or 0) + tally.depreciation[a.asset]
        floor = 1 if a.contra_account is not None and a.method != "lease" else 0
        disposed_early = a.disposed is not None and a.method != "lease"
        if disposed_early:
            assert total <= a.cost - floor, a
        else:  # cost − 備忘価額; a lease, and an asset written off directly, to 0
            assert total == a.cost - floor, (a, total)
        if a.grant_account:  # the 長期前受金 is released exactly, whether used up or disposed of
            assert tally.drawdown[a.asset] == a.funded_amount, (a, tally.drawdown[a.asset])
            assert end.balance(a.segment, a.grant_account) == 0
    for o in w.obligations:
        start = o.opening_balance if o.opening_balance is not None else o.initial_amount
        assert start + tally.accretion[o.obligation] == o.undiscounted_amount, (o, tally.accretion[o.obligation])
        assert end.balance(o.segment, o.account) == 0  # settled at exactly the undiscounted amount
    for seg in SEGMENTS:  # the books balance in every segment
        assert sum(c.opening + c.movement for c in end.cells if c.segment == seg) == 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=worlds())
def test_closing_every_year_of_random_registers_keeps_the_books_to_the_yen(w):
    """Useful lives up to 12 years (leases up to 144 months): about 3 s."""
    tally, end = close_every_year(w)
    check_life_totals(w, tally, end)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(w=worlds(max_life=50))
def test_closing_every_year_of_long_lived_registers_keeps_the_books_to_the_yen(w):
    """Useful lives up to 50 years (the whole 別表): about 9 s."""
    tally, end = close_every_year(w, horizon=150)
    check_life_totals(w, tally, end)

"""Register schedules are computed once per row: one command costs one pass over each asset's
years, not one per year asked for, however often the registers are read and the steps,
the notes and the tie-out ask."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from typer.testing import CliRunner

from kessan.cli import app
from kessan.closing import formulas, schedules, steps
from kessan.closing.state import ClosingState
from kessan.closing.tieout import register_ties
from kessan.io import reader
from kessan.io.subledgers import read_subledgers
from kessan.ledger.model import Cell
from kessan.ledger.subledgers import Asset, Subledgers

from .conftest import EXAMPLE

runner = CliRunner()


@pytest.fixture
def counted(monkeypatch):
    """Counts of the computations the schedules are made of, per register row, from empty caches."""
    schedules.clear_caches()
    counts: dict[str, Counter] = {"asset": Counter(), "replay": Counter(), "lease": Counter(), "obligation": Counter()}
    asset_formulas, replay, lease, obligation = (schedules._formulas, formulas._replay, formulas.lease_debt_schedule,
                                                 schedules.ObligationSchedule.__init__)

    def count_asset(asset):
        counts["asset"][asset.asset] += 1
        return asset_formulas(asset)

    def count_replay(cost, useful_life, method, in_use, keep_memo):
        counts["replay"][(cost, useful_life, method, in_use, keep_memo)] += 1
        return replay(cost, useful_life, method, in_use, keep_memo)

    def count_lease(amount, term_months, first_due, monthly_rate=None, **kw):
        counts["lease"][(amount, term_months, first_due, monthly_rate, kw.get("payment"))] += 1
        return lease(amount, term_months, first_due, monthly_rate, **kw)

    def count_obligation(self, o):
        counts["obligation"][o.obligation] += 1
        obligation(self, o)

    monkeypatch.setattr(schedules, "_formulas", count_asset)
    monkeypatch.setattr(formulas, "_replay", count_replay)
    monkeypatch.setattr(formulas, "lease_debt_schedule", count_lease)
    monkeypatch.setattr(schedules.ObligationSchedule, "__init__", count_obligation)
    yield counts
    schedules.clear_caches()


def test_check_of_the_example_computes_each_schedule_once(counted):
    """`kessan check BOOK_DIR` loads (the notes' lease inputs), closes (depreciation, grant
    drawdown, 資産除去債務, lease reclassification) and ties the registers out: the
    registers are read three times, yet every row's schedule is computed once."""
    result = runner.invoke(app, ["check", str(EXAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    subs = read_subledgers(EXAMPLE, reader.read_book(EXAMPLE).chart)
    in_service = {a.asset for a in subs.assets if a.method != "none" and schedules.in_service(a, 2020)}
    assert in_service <= set(counted["asset"]) <= {a.asset for a in subs.assets}  # the tie-out asks for more
    assert set(counted["asset"].values()) == {1}
    assert set(counted["replay"].values()) == {1}  # one replay per (owned, depreciable) asset
    assert sum(counted["lease"].values()) == len(subs.leases) == 35
    assert set(counted["obligation"].values()) == {1}


def test_a_forty_year_old_asset_costs_one_pass_over_its_life(counted, monkeypatch):
    """The schedule of an asset carried over 30 years ago and in use for 40 years is one
    replay of its 50-year life plus one roll-forward step per year; asking for every
    year's figures, as yearly closings and tie-outs do, adds nothing. (Before, every year
    asked for replayed the whole life for every year rolled forward: quadratic in age.)"""
    step = formulas._depreciation_step
    calls = Counter()

    def count_step(*args, **kwargs):
        calls["step"] += 1
        return step(*args, **kwargs)

    monkeypatch.setattr(formulas, "_depreciation_step", count_step)
    life = 50
    old = Asset("OLD", "本部建物", "general", "1310", "1311", "5140", "straight_line", life, None, dt.date(1981, 4, 1),
                10_000_000, grant_account="2211", funded_amount=4_000_000, opening_accumulated=1_800_000,
                opening_year=1990)
    book = reader.read_book(EXAMPLE)
    cells = (Cell("general", "1310", None, None, 10_000_000, 0, 0), Cell("general", "1311", None, None, -7_800_000, 0, 0))
    state = ClosingState(book, 2020, cells, Subledgers(assets=(old,)))
    assert [p.amount for e in steps.depreciation(state) for p in e.postings] == [200_000, -200_000]  # 定額法 0.020
    assert [p.amount for e in steps.grant_drawdown(state) for p in e.postings] == [80_000, -80_000]
    ties = register_ties(book, 2020, [*cells, Cell("general", "1311", None, None, 0, -200_000, 0)], Subledgers(assets=(old,)))
    assert all(t.passed for t in ties), ties
    yearly = [schedules.accumulated_at_opening(old, y) + schedules.asset_depreciation(old, y) for y in range(1981, 2040)]
    assert yearly[2020 - 1981] == 1_800_000 + 31 * 200_000 and yearly[-1] == 10_000_000 - 1  # 備忘価額 ¥1
    assert counted["asset"]["OLD"] == 1
    # one replay of the life (50 steps) and one step per year rolled forward (1990–2030)
    assert calls["step"] == life + (2030 - 1990 + 1)


@pytest.mark.parametrize("age", [10, 20, 40])
def test_work_per_asset_grows_linearly_with_its_age(counted, monkeypatch, age):
    step = formulas._depreciation_step
    calls = Counter()
    monkeypatch.setattr(formulas, "_depreciation_step", lambda *a, **k: calls.update(["step"]) or step(*a, **k))
    a = Asset("D", "機器", "a", "1320", "1321", "5140", "declining_200", 50, None, dt.date(2020 - age, 4, 1), 1_000_000,
              opening_accumulated=0, opening_year=2020 - age)
    for year in range(2020 - age, 2021):  # every yearly closing and tie-out up to 2020
        schedules.asset_depreciation(a, year)
        schedules.accumulated_at_opening(a, year + 1)
    assert calls["step"] == 2 * 50  # the replay and the roll-forward, each once over the life

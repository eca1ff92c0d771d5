"""Closing to the yen: the findings of "Books an auditor can rely on", each on a small register.

* the 長期前受金 drawdowns release exactly what was funded over an asset's life;
* a 資産除去債務 accretes exactly to its undiscounted amount by settlement;
* in the last year of a useful life the depreciation is capped by the statutory amount and
  the residue is carried to the next year;
* rounding is 四捨五入 half up (never half to even) or 切捨て, by name;
* no step proposes a 0-yen posting.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from typer.testing import CliRunner

from kessan.cli import app
from kessan.closing import formulas, schedules, steps
from kessan.closing.notes import register_inputs
from kessan.closing.state import ClosingState
from kessan.io import reader
from kessan.ledger.model import Cell
from kessan.ledger.rounding import Rounding, half_up, to_yen, truncate, truncate_to
from kessan.ledger.subledgers import Asset, Lease, Obligation, Subledgers

from .closing_book import make_book, state
from .conftest import MINI

runner = CliRunner()
APRIL_2020 = dt.date(2020, 4, 1)


def _amounts(entries, account: str) -> int:
    return sum(p.amount for e in entries for p in e.postings if p.account == account)


# --------------------------------------------------------------------------- 長期前受金


def test_grant_drawdowns_over_the_life_release_exactly_the_funded_amount():
    """定額法 3 years (0.334): 334,000 + 334,000 + 331,999 of depreciation (¥1 備忘価額). Each
    year's drawdown truncated on its own released 333,332 of the 333,334 funded and left ¥2 on
    the books for ever; the exact-sum schedule releases the rest in the asset's last year."""
    book = make_book(range(2020, 2026))
    a = Asset("G1", "業務端末", "a", "1320", "1321", "5140", "straight_line", 3, None, APRIL_2020, 1_000_000,
              grant_account="2211", funded_amount=333_334)
    drawn = [_amounts(steps.grant_drawdown(state(book, y, subledgers=Subledgers(assets=(a,)))), "2211")
             for y in range(2020, 2026)]
    assert drawn == [111_333, 111_333, 110_668, 0, 0, 0]
    assert sum(drawn) == 333_334


def test_grant_left_on_a_disposed_asset_is_released_in_the_disposal_year():
    """An asset disposed of before the end of its life is not depreciated in that year; the
    長期前受金 still funding it is released then (domain.md §4.1: on disposal the unamortised
    remainder is released), so nothing is left for an asset the register no longer holds."""
    book = make_book(range(2020, 2025))
    a = Asset("G2", "機器", "a", "1320", "1321", "5140", "straight_line", 5, None, APRIL_2020, 1_000_000,
              grant_account="2211", funded_amount=500_000, disposed=dt.date(2022, 9, 30))
    drawn = [_amounts(steps.grant_drawdown(state(book, y, subledgers=Subledgers(assets=(a,)))), "2211")
             for y in range(2020, 2025)]
    assert drawn == [100_000, 100_000, 300_000, 0, 0]


# --------------------------------------------------------------------------- 資産除去債務


def test_aro_accretes_exactly_to_its_undiscounted_amount_by_settlement():
    """domain.md §6.5: CF ¥1,000,000 in 10 years at 2.0 % is recognised at 820,348. Accreting
    opening × 2 % half up each year reaches 999,999 after ten years; the year before the
    settlement absorbs the residue so the balance is the undiscounted amount exactly."""
    o = Obligation("O1", "原状回復", "a", "2280", "5190", APRIL_2020, Decimal("0.02"), 820_348,
                   undiscounted_amount=1_000_000, expected_settlement=dt.date(2030, 4, 30))
    accretion = [schedules.obligation_accretion(o, y) for y in range(2020, 2032)]
    assert accretion[:3] == [16_407, 16_735, 17_070]  # the worked example
    assert 820_348 + sum(accretion) == 1_000_000
    assert accretion[10:] == [0, 0]  # nothing in the settlement year, nor after it
    assert schedules.obligation_opening(o, 2030) == 1_000_000
    assert [line.accretion for line in formulas.aro_schedule(1_000_000, 10, Decimal("0.02"), 2020)] == accretion[:10]


def test_aro_recognised_during_the_year_still_reaches_its_undiscounted_amount():
    o = Obligation("O2", "原状回復", "b", "2280", "5190", dt.date(2020, 6, 30), Decimal("0.015"), 24_566_267,
                   undiscounted_amount=34_000_000, expected_settlement=dt.date(2042, 6, 30))
    first = schedules.obligation_accretion(o, 2020)
    assert first == half_up(Fraction(24_566_267) * Fraction("0.015") * 10 / 12)  # June–March: 10 months
    assert schedules.obligation_opening(o, 2042) == 34_000_000


def test_aro_without_an_undiscounted_amount_accretes_as_before():
    o = Obligation("O3", "原状回復", "a", "2280", "5190", APRIL_2020, Decimal("0.02"), 820_348)
    assert schedules.obligation_opening(o, 2030) == 999_999  # nothing to reach: opening × rate each year


def test_aro_undiscounted_amount_below_the_balance_is_refused_naming_the_obligation():
    from kessan.ledger.errors import BookError

    book = make_book([2020])
    o = Obligation("O4", "原状回復", "a", "2280", "5190", APRIL_2020, Decimal("0.02"), 820_348,
                   undiscounted_amount=800_000, expected_settlement=dt.date(2030, 4, 30))
    with pytest.raises(BookError, match=r"subledgers/aro.csv \[obligation O4\]"):
        steps.aro_accretion(state(book, 2020, subledgers=Subledgers(obligations=(o,))))


# --------------------------------------------------------------------------- 減価償却: the last year


def test_straight_line_last_year_is_capped_and_the_residue_carried():
    """定額法 ¥1,000,003 over 10 years at 0.100: ⌊100,000.3⌋ = 100,000 a year. In the tenth year
    the 償却限度額 is still 100,000 (減価償却資産の耐用年数等に関する省令 別表第八; 法人税法施行令
    §48の2); the 2 yen the truncation left above the ¥1 備忘価額 are depreciated the year
    after (施行令 §61: down to 1円), not added to the tenth year."""
    schedule = formulas.depreciation_schedule(1_000_003, 10, formulas.STRAIGHT_LINE, APRIL_2020)
    assert [line.depreciation for line in schedule] == [100_000] * 10 + [2]
    assert schedule[-1] == (2030, 2, 1)
    a = Asset("S1", "機器", "a", "1320", "1321", "5140", "straight_line", 10, None, APRIL_2020, 1_000_003)
    assert [schedules.asset_depreciation(a, y) for y in (2029, 2030, 2031)] == [100_000, 2, 0]


def test_declining_200_last_year_is_capped_at_the_revised_amount_and_the_residue_carried():
    """200%定率法 ¥1,000,002 over 10 years: from the switch in year 7 the limit is 改定取得価額
    262,146 × 改定償却率 0.250 = 65,536 a year (別表第十), the tenth year included; 1 yen is
    carried to the eleventh."""
    schedule = formulas.depreciation_schedule(1_000_002, 10, formulas.DECLINING_200, APRIL_2020)
    assert [line.depreciation for line in schedule][-5:] == [65_536, 65_536, 65_536, 65_536, 1]
    assert schedule[-1].closing_book_value == 1 and len(schedule) == 11


def test_carried_over_asset_past_its_life_keeps_depreciating_to_the_memo_value():
    """An asset taken over with a 累計額 below what its life would have booked is depreciated
    on at the annual limit after its useful life until the ¥1 備忘価額 (施行令 §61)."""
    a = Asset("S2", "機器", "a", "1320", "1321", "5140", "straight_line", 5, None, dt.date(2014, 4, 1), 1_000_000,
              opening_accumulated=650_000, opening_year=2020)
    assert [schedules.asset_depreciation(a, y) for y in range(2020, 2024)] == [200_000, 149_999, 0, 0]
    assert schedules.accumulated_at_opening(a, 2023) == 999_999


# --------------------------------------------------------------------------- rounding


def test_named_rounding_rules():
    assert [half_up(Fraction(n, 2)) for n in (1, 3, 5, -1, -3, -5)] == [1, 2, 3, -1, -2, -3]  # 四捨五入, never half-even
    assert [truncate(Fraction(n, 3)) for n in (5, -5)] == [1, -1]  # 切捨て toward zero
    assert half_up(Decimal("2.5")) == 3 and truncate(Decimal("2.999")) == 2
    assert to_yen(Fraction(7, 2), Rounding.HALF_UP) == 4 and to_yen(Fraction(7, 2), Rounding.TRUNCATE) == 3
    assert truncate_to(Fraction(20_833_33, 100), 100) == 20_800  # 100円未満切捨て
    with pytest.raises(TypeError):
        half_up(2.5)  # type: ignore[arg-type]  # no float ever touches an amount


def test_average_lease_rate_rounds_half_up_not_half_to_even():
    """A monthly 0.00375 % is 4.5 hundredths of a percent a year: 四捨五入 gives 5; Python's
    round() of a Fraction rounds half to even and gave 4."""
    book = make_book([2020])
    lease = Lease("L1", "a", dt.date(2021, 4, 30), 24, 2_400_000, Decimal("0.0000375"), None)
    values = {v.key: v.amount for v in register_inputs(Subledgers(leases=(lease,)), book.fiscal_years)}
    assert values["lease.rate.total"] == 5


# --------------------------------------------------------------------------- no 0-yen posting


def test_income_close_of_the_mini_book_has_no_zero_posting():
    """The mini book's hand-written 損益振替 closed 事業収入 without its partner split: the step
    moves 20 yen between the partner buckets of the same account, which nets to nothing in
    積立金, and proposed a 0-yen 積立金 posting with it."""
    book = reader.read_book(MINI)
    cells = [Cell("a", "411", None, None, 0, 20, 0), Cell("a", "411", None, "b", 0, -20, 0),
             Cell("a", "311", None, None, -1_200, 0, 0), Cell("a", "111", None, None, 1_200, 0, 0)]
    entries = steps.income_close(ClosingState(book, 2020, tuple(cells)))
    assert entries and all(p.amount for e in entries for p in e.postings)
    assert sorted((p.account, p.partner or "", p.amount) for e in entries for p in e.postings) == [
        ("411", "", -20), ("411", "b", 20)]


def test_close_dry_run_of_the_mini_book_proposes_no_zero_posting(tmp_path):
    db = f"sqlite:///{tmp_path / 'm.db'}"
    assert runner.invoke(app, ["load", str(MINI), "--db", db]).exit_code == 0
    dry = runner.invoke(app, ["close", str(MINI), "--db", db, "--year", "2020", "--dry-run"], env={"COLUMNS": "160"})
    assert dry.exit_code == 0, dry.output
    postings = [line.split() for line in dry.output.splitlines() if re.match(r"^\s{6}\S+\s+\d{3,4}\s+-?[\d,]+", line)]
    assert postings, dry.output
    assert all(int(p[2].replace(",", "")) != 0 for p in postings), dry.output

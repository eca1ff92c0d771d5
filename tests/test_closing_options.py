"""Closing options as book data ([book.closing], docs/closing.md): each changes the closing as
documented, and the defaults are what the closing did before. Expected amounts by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt

from kessan.closing import schedules, steps
from kessan.closing.formulas import lease_depreciation
from kessan.io import reader
from kessan.ledger.model import Account
from kessan.ledger.options import ClosingOptions, closing_options, with_options
from kessan.ledger.subledgers import Asset, Subledgers

from .closing_book import make_book, state

APRIL_2020 = dt.date(2020, 4, 1)


def _asset(**changes) -> Asset:
    base = Asset("A1", "業務端末", "a", "1320", "1321", "5140", "straight_line", 5, None, APRIL_2020, 1_200_000)
    return dataclasses.replace(base, **changes)


def _with(options: ClosingOptions, *assets: Asset) -> tuple[Asset, ...]:
    return with_options(Subledgers(assets=assets), options).assets


def test_disposal_year_depreciation_none_or_monthly_to_the_disposal_month():
    # 定額法 5 years (0.200): 240,000 a year; disposed 30 September 2021
    sold = _asset(disposed=dt.date(2021, 9, 30))
    none, = _with(ClosingOptions(), sold)
    monthly, = _with(ClosingOptions(disposal_year_depreciation="monthly"), sold)
    assert schedules.asset_depreciation(none, 2020) == schedules.asset_depreciation(monthly, 2020) == 240_000
    assert schedules.asset_depreciation(none, 2021) == 0  # the default: not in its disposal year
    assert schedules.asset_depreciation(monthly, 2021) == 120_000  # April–September: 240,000 × 6 / 12
    # an asset put in use and disposed of in the same year: its months in use only
    brief, = _with(ClosingOptions(disposal_year_depreciation="monthly"),
                   _asset(in_use=dt.date(2020, 10, 1), disposed=dt.date(2020, 12, 15)))
    assert schedules.asset_depreciation(brief, 2020) == 60_000  # 1,200,000 × 0.200 × 3 / 12


def test_memorandum_value_by_asset_class():
    # 定額法 5 years on 1,000,000: 200,000 a year; the fifth year stops at the 備忘価額
    software = _asset(asset="S1", cost_account="1420", contra_account=None, cost=1_000_000)
    machine = _asset(asset="M1", cost=1_000_000)
    default_software, default_machine = _with(ClosingOptions(), software, machine)
    assert schedules.asset_depreciation(default_software, 2024) == 200_000  # written off directly: to 0
    assert schedules.asset_depreciation(default_machine, 2024) == 199_999  # with a contra account: ¥1 left
    opts = ClosingOptions(memorandum_value=(("1320", 0), ("1420", 1)))
    kept_software, plain_machine = _with(opts, software, machine)
    assert schedules.asset_depreciation(kept_software, 2024) == 199_999
    assert schedules.asset_depreciation(plain_machine, 2024) == 200_000
    assert schedules.accumulated_at_end(plain_machine, 2030) == 1_000_000


def test_lease_depreciation_rounding_cumulative_or_yearly():
    # 1,000,001 over 36 months from July 2020: 9, 12, 12 and 3 months in FY2020…2023
    july = dt.date(2020, 7, 1)
    cumulative = [lease_depreciation(1_000_001, 36, july, y) for y in range(2020, 2024)]
    yearly = [lease_depreciation(1_000_001, 36, july, y, rounding="yearly") for y in range(2020, 2024)]
    # cumulative: ⌊1,000,001 × 9/36⌋ = 250,000; ⌊× 21/36⌋ = 583,333; ⌊× 33/36⌋ = 916,667; the rest
    assert cumulative == [250_000, 333_333, 333_334, 83_334]
    # yearly: ⌊1,000,001 × 12/36⌋ = 333,333 each full year; the last year takes 1,000,001 − 916,666
    assert yearly == [250_000, 333_333, 333_333, 83_335]
    assert sum(cumulative) == sum(yearly) == 1_000_001
    lease, = _with(ClosingOptions(lease_depreciation_rounding="yearly"),
                   _asset(method="lease", useful_life=None, lease_months=36, in_use=july, cost=1_000_001,
                          cost_account="1340", contra_account="1341"))
    assert [schedules.asset_depreciation(lease, y) for y in range(2020, 2024)] == yearly


def _grant_postings(book, asset: Asset, year: int) -> list[tuple[str, int]]:
    entries = steps.grant_drawdown(state(book, year, subledgers=Subledgers(assets=(asset,))))
    return sorted((p.account, p.amount) for e in entries for p in e.postings)


def test_a_disposed_assets_remaining_grant_goes_to_the_drawdown_revenue_or_its_own_role():
    book = make_book(range(2020, 2023), extra_accounts={"4290": ("資産見返戻入 (除却)", "revenue")})
    funded = _asset(cost=1_000_000, grant_account="2211", funded_amount=1_000_000, disposed=dt.date(2021, 6, 30))
    plain, = _with(ClosingOptions(), funded)
    assert _grant_postings(book, plain, 2020) == [("2211", 200_000), ("4220", -200_000)]
    # disposed in 2021, not depreciated then: the remaining 800,000 is released, to 4220 by default
    assert _grant_postings(book, plain, 2021) == [("2211", 800_000), ("4220", -800_000)]
    book.chart.accounts["4290"] = Account("4290", "資産見返戻入 (除却)", "revenue", roles=("grant_disposal_revenue",))
    assert _grant_postings(book, plain, 2021) == [("2211", 800_000), ("4290", -800_000)]
    # monthly: April–June depreciated (200,000 × 3/12 = 50,000) and drawn down with it; the rest released
    monthly, = _with(ClosingOptions(disposal_year_depreciation="monthly"), funded)
    assert _grant_postings(book, monthly, 2021) == [("2211", 800_000), ("4220", -50_000), ("4290", -750_000)]


def test_options_are_read_from_book_toml(mini_dir):
    path = mini_dir / "book.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[book.closing]\ndisposal_year_depreciation = "monthly"\n'
                    'lease_depreciation_rounding = "yearly"\nmemorandum_value = { "131" = 0 }\n', encoding="utf-8")
    options = closing_options(reader.read_book(mini_dir).settings)
    assert options == ClosingOptions("monthly", "yearly", (("131", 0),))
    assert closing_options({}) == ClosingOptions("none", "cumulative", ())

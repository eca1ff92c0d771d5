"""The 決算整理 steps that read the provision, reserve, 資産除去債務, 長期前受金 and tax registers,
and the carried-over fixed-asset register: pure functions of (ledger state, sub-ledgers)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from kessan.cli import app
from kessan.closing import schedules, steps
from kessan.closing.notes import register_inputs
from kessan.closing.state import ClosingState
from kessan.io import reader
from kessan.io.subledgers import read_subledgers
from kessan.ledger.model import Cell
from kessan.ledger.subledgers import Asset, GrantUse, Lease, Obligation, Office, Provision, Reserve, Subledgers

runner = CliRunner()

ACCOUNTS = {  # code: (name, kind)
    "1310": ("建物", "asset"), "1311": ("建物減価償却累計額", "asset"), "1340": ("リース資産", "asset"),
    "1341": ("リース資産減価償却累計額", "asset"), "1420": ("ソフトウェア", "asset"),
    "2120": ("未払法人住民税等", "liability"), "2140": ("賞与引当金", "liability"),
    "2211": ("長期前受金", "liability"), "2220": ("退職給付引当金", "liability"),
    "2240": ("平準化積立金", "liability"), "2280": ("資産除去債務", "liability"),
    "4220": ("長期前受金取崩収入", "revenue"), "4230": ("平準化積立金取崩収入", "revenue"),
    "5140": ("減価償却費", "expense"), "5160": ("人件費", "expense"), "5190": ("その他", "expense"),
    "5210": ("給与 (一般管理費)", "expense"), "5260": ("退職給付費用", "expense"),
    "5820": ("平準化積立金繰入額", "expense"), "5910": ("法人住民税", "expense"),
}
FLOWS = {"fa.depreciation": "depreciation", "prov.increase": "provision_increase", "prov.other": "provision_other",
         "res.increase": "reserve_increase", "res.decrease": "reserve_decrease", "aro.accretion": "aro_accretion"}
ROLES = {"2120": "resident_tax_payable", "4220": "grant_drawdown_revenue", "5910": "resident_tax_expense"}
FY_END = dt.date(2021, 3, 31)


@pytest.fixture
def book_dir(mini_dir):
    with open(mini_dir / "accounts.toml", "a", encoding="utf-8") as fh:
        for code, (name, kind) in ACCOUNTS.items():
            roles = f'roles = ["{ROLES[code]}"]\n' if code in ROLES else ""
            fh.write(f'\n[[account]]\ncode = "{code}"\nname = "{name}"\nkind = "{kind}"\n{roles}')
    with open(mini_dir / "flows.toml", "a", encoding="utf-8") as fh:
        for code, role in FLOWS.items():
            fh.write(f'\n[[flow]]\ncode = "{code}"\nname = "{code}"\napplies_to = "any"\nroles = ["{role}"]\n')
    (mini_dir / "subledgers").mkdir()
    return mini_dir


@pytest.fixture
def book(book_dir):
    return reader.read_book(book_dir)


def state(book, balances: dict[tuple[str, str], int] | None = None, **registers) -> ClosingState:
    cells = tuple(Cell(seg, acc, None, None, v, 0, 0) for (seg, acc), v in (balances or {}).items())
    return ClosingState(book, 2020, cells, Subledgers(**registers))


def postings(entries) -> list[tuple]:
    return sorted((p.segment, p.account, p.amount, p.flow) for e in entries for p in e.postings)


# --------------------------------------------------------------------------- provisions


def test_bonus_provision_accrues_four_sixths_split_by_expense_account(book):
    lines = (Provision("P1", "賞与 事業", "a", "2140", "5160", "bonus", 600_000, dt.date(2020, 12, 1), dt.date(2021, 5, 31)),
             Provision("P2", "賞与 管理", "a", "2140", "5210", "bonus", 300_001, dt.date(2020, 12, 1), dt.date(2021, 5, 31)))
    out = steps.provisions(state(book, provisions=lines))
    # 600,000 × 4/6 = 400,000; 300,001 × 4/6 = 200,000.67 → 200,000 (truncated)
    assert postings(out) == [("a", "2140", -600_000, "prov.increase"), ("a", "5160", 400_000, None),
                             ("a", "5210", 200_000, None)]


def test_retirement_simplified_method_charges_required_minus_balance_left_after_payments(book):
    # 期首 1,000,000, paid 300,000 during the year (balance left 700,000); 期末要支給額 1,200,000
    # → 退職給付費用 = 1,200,000 − 1,000,000 + 300,000 = 500,000, spread 3:1 over the two staff groups
    lines = (Provision("R1", "事業部門", "b", "2220", "5160", "retirement_simplified", 900_000),
             Provision("R2", "管理部門", "b", "2220", "5260", "retirement_simplified", 300_000))
    out = steps.provisions(state(book, {("b", "2220"): -700_000}, provisions=lines))
    assert postings(out) == [("b", "2220", -500_000, "prov.increase"), ("b", "5160", 375_000, None),
                             ("b", "5260", 125_000, None)]
    after = state(book, {("b", "2220"): -700_000}, provisions=lines).with_entries(out)
    assert after.balance("b", "2220") == -1_200_000  # the provision equals 期末自己都合要支給額


def test_a_provision_that_fell_is_released(book):
    lines = (Provision("X", "役員退職", "a", "2220", "5260", "bylaw", 100_000),)
    out = steps.provisions(state(book, {("a", "2220"): -150_000}, provisions=lines))
    assert postings(out) == [("a", "2220", 50_000, "prov.other"), ("a", "5260", -50_000, None)]


def test_allocate_splits_exactly():
    assert steps.allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert steps.allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert sum(steps.allocate(12_345_679, [7, 13, 29, 0])) == 12_345_679


# --------------------------------------------------------------------------- 資産除去債務


def test_aro_accretion_opening_balance_times_rate_and_months_in_the_first_year(book):
    carried = Obligation("O1", "事務所", "a", "2280", "5190", dt.date(2014, 4, 1), Decimal("0.017"), 9_000_000,
                         10_000_000, 2020)
    new = Obligation("O2", "新事務所", "a", "2280", "5190", dt.date(2020, 10, 1), Decimal("0.012"), 5_000_000)
    settled = Obligation("O3", "旧事務所", "b", "2280", "5190", dt.date(2011, 4, 1), Decimal("0.01"), 1_000_000,
                         1_000_000, 2020, dt.date(2020, 9, 30))
    out = steps.aro_accretion(state(book, obligations=(carried, new, settled)))
    # 10,000,000 × 1.7% = 170,000; 5,000,000 × 1.2% × 6/12 = 30,000; a settled one accretes nothing
    assert postings(out) == [("a", "2280", -170_000, "aro.accretion"), ("a", "2280", -30_000, "aro.accretion"),
                             ("a", "5190", 30_000, None), ("a", "5190", 170_000, None)]


def test_aro_balance_is_replayed_from_recognition_in_later_years():
    o = Obligation("O", "x", "a", "2280", "5190", dt.date(2019, 4, 1), Decimal("0.02"), 1_000_000)
    assert schedules.obligation_opening(o, 2020) == 1_020_000  # a full first year
    assert schedules.obligation_opening(o, 2021) == 1_040_400
    assert schedules.obligation_accretion(o, 2021) == 20_808


# --------------------------------------------------------------------------- reserves, grants, tax


def test_reserves_post_the_decided_provision_and_releases(book):
    rows = (Reserve("RS", "a", "2240", "provision", "5820", 2020, 800, "予算"),
            Reserve("RS", "a", "2240", "release", "4230", 2020, 300, "経費充当"),
            Reserve("RS", "a", "2240", "release", "2211", 2020, 200, "施設整備財源"),
            Reserve("RS", "a", "2240", "provision", "5820", 2021, 999, "翌年度"))
    out = steps.reserves(state(book, reserves=rows))
    assert len(out) == 3
    assert postings(out) == sorted([("a", "5820", 800, None), ("a", "2240", -800, "res.increase"),
                                    ("a", "2240", 300, "res.decrease"), ("a", "4230", -300, None),
                                    ("a", "2240", 200, "res.decrease"), ("a", "2211", -200, None)])


def test_grant_drawn_down_as_spent_never_beyond_its_balance(book):
    uses = (GrantUse("G1", "機器更改", "a", "2211", 2020, 700), GrantUse("G2", "追加", "a", "2211", 2020, 500))
    out = steps.grant_drawdown(state(book, {("a", "2211"): -1_000}, grant_uses=uses))
    assert [e.postings[0].amount for e in out] == [700, 300]
    assert sum(p.amount for e in out for p in e.postings if p.account == "4220") == -1_000


def test_resident_tax_per_office_by_months_truncated_to_100_yen(book):
    offices = (Office("本部", "東京都", "a", 70_000), Office("支所", "大阪市", "b", 50_000, dt.date(2020, 10, 15)))
    out = steps.resident_tax(state(book, offices=offices))
    # 本部: 12 months → 70,000; 支所: 10/15–3/31 = 5 whole months → 50,000 × 5/12 = 20,833 → 20,800
    assert postings(out) == [("a", "2120", -70_000, None), ("a", "5910", 70_000, None),
                             ("b", "2120", -20_800, None), ("b", "5910", 20_800, None)]


def test_office_months_counts_a_short_stay_as_one_month():
    o = Office("x", "y", "a", 0, dt.date(2021, 3, 20))
    assert steps.office_months(o, dt.date(2020, 4, 1), FY_END) == 1


# --------------------------------------------------------------------------- fixed assets


def test_carried_over_accumulated_depreciation_is_rolled_forward():
    a = Asset("A", "建物", "a", "1310", "1311", "5140", "straight_line", 10, None, dt.date(2015, 4, 1), 1_000_000,
              opening_accumulated=550_000, opening_year=2020)
    assert schedules.asset_depreciation(a, 2020) == 100_000  # 定額法: cost × 0.100
    assert schedules.asset_depreciation(a, 2023) == 100_000
    assert schedules.asset_depreciation(a, 2024) == 49_999  # 550,000 + 4 × 100,000 before; the last year leaves ¥1
    assert schedules.asset_depreciation(a, 2025) == 0


def test_lease_asset_depreciates_until_its_term_ends_in_the_disposal_year():
    a = Asset("L", "機器", "a", "1340", "1341", "5140", "lease", None, 60, dt.date(2015, 10, 1), 6_000_000,
              disposed=FY_END, opening_accumulated=5_400_000, opening_year=2020)
    assert schedules.asset_depreciation(a, 2020) == 600_000  # April–September: 6 of 60 months


def test_a_carried_over_asset_the_formula_cannot_place_is_bad_input_naming_the_asset(book):
    from kessan.ledger.errors import BookError

    a = Asset("D9", "機器", "a", "1310", "1311", "5140", "declining_200", 10, None, dt.date(2015, 4, 1), 1_000_000,
              opening_accumulated=900_000, opening_year=2020)  # past the 保証率 switch, 改定取得価額 unknown
    with pytest.raises(BookError) as exc:
        steps.depreciation(state(book, assets=(a,)))
    assert "subledgers/fixed_assets.csv [asset D9]" in str(exc.value) and "revised_base" in str(exc.value)
    # with its 改定取得価額 the asset continues at 改定償却率 (10 years: 0.250)
    switched = dataclasses.replace(a, revised_base=200_000)
    assert schedules.asset_depreciation(switched, 2020) == 50_000


def test_owned_asset_is_not_depreciated_in_its_disposal_year():
    a = Asset("B", "備品", "a", "1320", "1321", "5140", "straight_line", 5, None, dt.date(2018, 4, 1), 500_000,
              disposed=dt.date(2020, 11, 30))
    assert schedules.asset_depreciation(a, 2020) == 0


def test_non_depreciable_assets_are_registered_at_cost(book):
    from kessan.closing.tieout import register_ties

    phone = Asset("T", "電話加入権", "a", "1310", None, "5140", "none", None, None, dt.date(2000, 4, 1), 72_000)
    assert schedules.asset_depreciation(phone, 2020) == 0
    cells = [Cell("a", "1310", None, None, 72_000, 0, 0)]
    assert all(r.passed for r in register_ties(book, 2020, cells, Subledgers(assets=(phone,))))
    cells = [Cell("a", "1310", None, None, 70_000, 0, 0)]
    failed = [r for r in register_ties(book, 2020, cells, Subledgers(assets=(phone,))) if not r.passed]
    assert failed and "a 1310: 台帳 72,000 vs 元帳 70,000" in failed[0].detail


# --------------------------------------------------------------------------- lease rates


def test_average_lease_rate_is_balance_weighted_and_zero_under_interest_inclusive_method(book):
    leases = (Lease("L1", "a", dt.date(2021, 4, 30), 24, 2_400_000, Decimal("0.001"), None),
              Lease("L2", "a", dt.date(2021, 4, 30), 24, 2_400_000, None, None))
    values = {v.key: v.amount for v in register_inputs(Subledgers(leases=leases), book.fiscal_years) if v.year == 2020}
    # L1 at 1.2 % a year, L2 (利子込み法) at 0: equal balances → 0.60 %, in hundredths of a percent
    assert 55 <= values["lease.rate.total"] <= 65
    only_inclusive = register_inputs(Subledgers(leases=leases[1:]), book.fiscal_years)
    assert {v.amount for v in only_inclusive if v.key.startswith("lease.rate.")} == {0}


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("file, text, where", [
    ("provisions.csv", "provision,name,segment,account,expense_account,method,amount,period_start,period_end\n"
                       "P,賞与,a,2140,5160,bonus,100,,\n", "subledgers/provisions.csv:2 [period_start]"),
    ("provisions.csv", "provision,name,segment,account,expense_account,method,amount,period_start,period_end\n"
                       "P,賞与,a,2140,5160,lump,100,,\n", "subledgers/provisions.csv:2 [method]"),
    ("reserves.csv", "reserve,segment,account,action,counter_account,fiscal_year,amount,basis\n"
                     "R,a,9999,provision,5820,2020,1,x\n", "subledgers/reserves.csv:2 [account]"),
    ("aro.csv", "obligation,name,segment,account,expense_account,recognised,discount_rate,initial_amount,"
                "opening_balance,opening_year,settled,undiscounted_amount,expected_settlement\n"
                "O,x,a,2280,5190,2020-04-01,one percent,1,,,,,\n",
     "subledgers/aro.csv:2 [discount_rate]"),
    ("aro.csv", "obligation,name,segment,account,expense_account,recognised,discount_rate,initial_amount,"
                "opening_balance,opening_year,settled,undiscounted_amount,expected_settlement\n"
                "O,x,a,2280,5190,2020-04-01,0.02,820348,,,,1000000,\n", "subledgers/aro.csv:2 [expected_settlement]"),
    ("grant_uses.csv", "use,name,segment,grant_account,fiscal_year,spent\nG,x,zz,2211,2020,1\n",
     "subledgers/grant_uses.csv:2 [segment]"),
    ("resident_tax.csv", "office,jurisdiction,segment,annual_amount,opened,closed\n本部,東京都,a,7万,,\n",
     "subledgers/resident_tax.csv:2 [annual_amount]"),
])
def test_bad_register_rows_name_file_line_and_field(book_dir, book, file, text, where):
    (book_dir / "subledgers" / file).write_text(text, encoding="utf-8")
    with pytest.raises(Exception) as exc:
        read_subledgers(book_dir, book.chart)
    assert where in str(exc.value)


def test_aro_register_reads_the_undiscounted_amount_and_expected_settlement(book_dir, book):
    (book_dir / "subledgers" / "aro.csv").write_text(
        "obligation,name,segment,account,expense_account,recognised,discount_rate,initial_amount,opening_balance,"
        "opening_year,settled,undiscounted_amount,expected_settlement\n"
        "O1,事務所,a,2280,5190,2020-04-01,0.02,820348,,,,1000000,2030-04-30\n"
        "O2,旧事務所,a,2280,5190,2014-04-01,0.017,900000,1000000,2020,,,\n", encoding="utf-8")
    o1, o2 = read_subledgers(book_dir, book.chart).obligations
    assert (o1.undiscounted_amount, o1.expected_settlement) == (1_000_000, dt.date(2030, 4, 30))
    assert (o2.undiscounted_amount, o2.expected_settlement) == (None, None)
    assert schedules.obligation_opening(o1, 2030) == 1_000_000


def test_close_cli_posts_the_register_steps(book_dir, db_url):
    (book_dir / "subledgers" / "provisions.csv").write_text(
        "provision,name,segment,account,expense_account,method,amount,period_start,period_end\n"
        "P,賞与,a,2140,5160,bonus,600000,2020-12-01,2021-05-31\n", encoding="utf-8")
    (book_dir / "subledgers" / "resident_tax.csv").write_text(
        "office,jurisdiction,segment,annual_amount,opened,closed\n本部,東京都,a,70000,,\n", encoding="utf-8")
    assert runner.invoke(app, ["load", str(book_dir), "--db", db_url]).exit_code == 0
    first = runner.invoke(app, ["close", str(book_dir), "--db", db_url, "--year", "2020"])
    assert first.exit_code == 0, first.output
    assert "provisions               v1: 1 entries" in first.output
    assert "resident_tax             v1: 1 entries" in first.output
    again = runner.invoke(app, ["close", str(book_dir), "--db", db_url, "--year", "2020", "--dry-run"])
    assert "provisions               unchanged" in again.output and "resident_tax             unchanged" in again.output

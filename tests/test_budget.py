"""Budgets: 決算報告書, 決算の概要 and 推移 from the ledger and the budget; revisions; bad files."""

from __future__ import annotations

import json
import warnings

import pytest
from typer.testing import CliRunner

from kessan.cli import app
from kessan.ledger.rounding import Rounding, Unit, round_yen
from kessan.report.figures import figures, read_known, read_reference, reconcile
from kessan.statements.trend import round_oku

from .conftest import EXAMPLE, PUBLISHED

runner = CliRunner()
REFERENCE = PUBLISHED / "budget_and_summary.csv"
TABLES = sorted({f.table for f in read_reference(REFERENCE)})


@pytest.fixture
def example(example_statements):
    return example_statements[0]


@pytest.fixture(scope="module")
def trend(example_book):
    (table,) = example_book.trend_tables(2020)
    return table


@pytest.mark.parametrize("table", TABLES)
def test_every_budget_and_summary_figure(example_report, table):
    reference = read_reference(REFERENCE)
    known = read_known(EXAMPLE / "known_differences.csv")
    result = reconcile(figures(example_report), reference, {table}, known)
    assert result.mismatches == [], result.mismatches[:10]
    n = sum(1 for f in reference if f.table == table)
    assert result.matched + sum(1 for _, holds in result.known if holds) == n


def test_documented_difference_is_exactly_as_documented(example_report):
    mine = {(f.table, f.line, f.column): f.value for f in figures(example_report)}
    assert mine[("概要_貸借対照表", "負債", "差引")] == -26_204  # 四捨五入(−26,204,231,043 円)
    published = {(f.table, f.line, f.column): f.value for f in read_reference(REFERENCE)}
    assert published[("概要_貸借対照表", "負債", "差引")] == -26_205
    # the same line's other cells follow the rule and match
    assert mine[("概要_貸借対照表", "負債", "予算")] == published[("概要_貸借対照表", "負債", "予算")] == 290_163
    assert mine[("概要_貸借対照表", "負債", "決算")] == published[("概要_貸借対照表", "負債", "決算")] == 263_958


def test_totals_are_rounded_from_yen_not_summed(example_report):
    mine = {(f.table, f.line, f.column): f.value for f in figures(example_report)}
    # 資産 予算 294,341,499,000 円 → 294,341 although 流動 268,905 + 固定 25,437 = 294,342
    assert mine[("概要_貸借対照表", "資産", "予算")] == 294_341
    assert mine[("概要_貸借対照表", "流動資産", "予算")] + mine[("概要_貸借対照表", "固定資産", "予算")] == 294_342
    # 差引 from the yen difference: 営業費用 △8,108 although 86,382 − 94,491 = −8,109
    assert mine[("概要_損益計算書", "営業費用", "差引")] == -8_108
    # yen figures of the 決算報告書 are exact: 差額 = 決算額 − 予算額
    assert mine[("決算報告書_損益計算書", "当期純利益", "予算額")] == -461_568_000
    assert mine[("決算報告書_損益計算書", "当期純利益", "差額")] == 1_022_408_373


def test_trend_current_year_from_ledger(example, trend):
    rows = {row.label: row for row in trend.rows}
    r2 = [str(rows[label].cells[-1].value) for label in ("一般", "個人番号", "デジタル基盤", "計")]
    assert r2 == ["65.5", "482.4", "0.01", "864.9"]
    assert trend.rows[0].cells[-1].yen == 6_545_525_804  # the exact yen behind the rounded 65.5
    # R2 is computed: 一般 営業費用 + 営業外費用 = 6,545,525,804 円
    yen = example.value("pl", "operating_expenses", "general") + example.value("pl", "nonop_expenses", "general")
    assert yen == 6_545_525_804


@pytest.mark.parametrize("yen,expected", [
    (1_500_000, 2), (2_500_000, 3), (1_499_999, 1), (-1_500_000, -2), (-2_499_999, -2), (0, 0), (499_999, 0), (500_000, 1),
])
def test_half_up_at_exactly_half(yen, expected):
    assert round_yen(yen, Unit.MILLION_YEN, Rounding.HALF_UP) == expected


def test_oku_rounding():
    assert str(round_oku(6_545_525_804, 1, "half_up")) == "65.5"
    assert str(round_oku(6_545_000_000, 1, "half_up")) == "65.5"   # exactly .x5 rounds up
    assert str(round_oku(6_544_999_999, 1, "half_up")) == "65.4"
    assert str(round_oku(1_245_558, 1, "half_up", 2)) == "0.01"  # non-zero never shows as 0.0 (option)
    assert str(round_oku(0, 1, "half_up")) == "0.0"
    assert str(round_oku(-6_545_000_000, 1, "half_up")) == "-65.5"


def test_chart_renders_japanese_without_missing_glyphs(trend, tmp_path):
    from kessan.render.chart import trend_chart

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = trend_chart(trend, tmp_path)
    png, svg = paths
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_reason_citations_are_computed(example):
    from kessan.statements.budget_report import cited_amount

    computed = [r for r in example.budget.reasons if r.source]
    assert computed, "the example cites ledger figures"
    for r in computed:
        assert r.amount is None  # not typed
        assert cited_amount(example, r) is not None
    juki = next(r for r in computed if r.source == "budget_pl.rev_juki_reserve" and r.segment is None)
    assert cited_amount(example, juki) == -3_718


# ---------------------------------------------------------------- revisions and bad files on the mini book

BUDGET_LAYOUT = """
[statement]
id = "budget_pl"
title = "決算報告書 損益計算書"
table = "決算報告書_損益計算書"
budget = true
order = 60
basis = "movement"
exclude_flows = ["net_income"]

[[line]]
id = "revenue"
label = "事業収入"
accounts = ["411"]

[[line]]
id = "costs"
label = "事業費"
accounts = ["511"]

[[line]]
id = "net_income"
label = "当期純利益"
formula = "revenue - costs"
"""


def _with_budget(book, revisions: str, files: dict[str, str]):
    (book / "layouts" / "60_budget.toml").write_text(BUDGET_LAYOUT, encoding="utf-8")
    (book / "budget").mkdir(exist_ok=True)
    (book / "budget" / "revisions.toml").write_text(revisions, encoding="utf-8")
    for name, text in files.items():
        (book / "budget" / name).write_text(text, encoding="utf-8")


CHAIN = """
[[revision]]
code = "initial"
year = 2020
name = "当初予算"
approved = 2020-03-13
body = "代表者会議"
file = "initial.csv"

[[revision]]
code = "june"
year = 2020
name = "6月補正予算"
revises = "initial"
approved = 2020-06-26
body = "代表者会議"
file = "june.csv"
"""
INITIAL = "statement,line,segment,amount\nbudget_pl,revenue,,400\nbudget_pl,costs,,100\nbudget_pl,revenue,a,400\n"
JUNE = "statement,line,segment,amount\nbudget_pl,revenue,,280\nbudget_pl,costs,,60\nbudget_pl,revenue,a,280\n"


def _budget_figs(result_output: str) -> dict[tuple[str, str], int]:
    rows = [line.split(",") for line in result_output.strip().splitlines()[1:]]
    return {(r[1], r[2]): int(r[3]) for r in rows if r[0] == "決算報告書_損益計算書"}


def test_revision_chain(mini_dir, db_url):
    _with_budget(mini_dir, CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE})
    assert runner.invoke(app, ["load", str(mini_dir), "--db", db_url]).exit_code == 0
    latest = runner.invoke(app, ["report", "--db", db_url, "-s", "budget_pl", "-f", "csv"])
    assert latest.exit_code == 0, latest.output
    figs = _budget_figs(latest.stdout)
    assert figs[("事業収入", "予算額")] == 280  # the 補正 is the 予算額
    assert figs[("事業収入", "決算額")] == 300
    assert figs[("事業収入", "差額")] == 20
    assert figs[("当期純利益", "予算額")] == 220  # by formula
    earlier = runner.invoke(app, ["report", "--db", db_url, "-s", "budget_pl", "-f", "csv", "--revision", "initial"])
    assert _budget_figs(earlier.stdout)[("事業収入", "予算額")] == 400  # the earlier revision is still reported
    text = runner.invoke(app, ["report", "--db", db_url, "-s", "budget_pl"], env={"COLUMNS": "120"})
    assert "6月補正予算" in text.output and "2020-06-26" in text.output
    unknown = runner.invoke(app, ["report", "--db", db_url, "-s", "budget_pl", "--revision", "nope"])
    assert unknown.exit_code == 2


@pytest.mark.parametrize("revisions,files,fragments", [
    (CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE.replace("280\n", "2.5\n", 1)},
     ["budget/june.csv:2", "[amount]", "not an integer"]),
    (CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE + "budget_pl,revenue,zz,1\n"},
     ["budget/june.csv:5", "[segment]", "unknown segment 'zz'"]),
    (CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE + "budget_pl,nope,,1\n"},
     ["budget_pl.nope", "not a line of a budget layout"]),
    (CHAIN, {"initial.csv": INITIAL, "june.csv": JUNE + "budget_pl,costs,,7\n"},
     ["budget/june.csv:5", "duplicate budget amount"]),
    (CHAIN.replace('revises = "initial"', 'revises = "missing"'), {"initial.csv": INITIAL, "june.csv": JUNE},
     ["revises unknown revision 'missing'"]),
    (CHAIN + CHAIN.split("[[revision]]")[2].replace('code = "june"', 'code = "june2"').join(["[[revision]]", ""]),
     {"initial.csv": INITIAL, "june.csv": JUNE}, ["already revised by"]),
    (CHAIN.replace("approved = 2020-06-26", "approved = 26-06-2020"), {"initial.csv": INITIAL, "june.csv": JUNE},
     ["budget/revisions.toml", "malformed TOML"]),
    (CHAIN, {"initial.csv": INITIAL}, ["budget/june.csv", "file not found"]),
])
def test_bad_budget_files_are_rejected(mini_dir, db_url, revisions, files, fragments):
    _with_budget(mini_dir, revisions, files)
    result = runner.invoke(app, ["load", str(mini_dir), "--db", db_url])
    assert result.exit_code == 2, result.output
    for frag in fragments:
        assert frag in result.output, result.output
    from .test_bad_input import _counts

    assert _counts(db_url) == (0, 0, 0)


def test_summary_json_is_rounded_per_table_with_its_own_columns():
    """決算の概要 in JSON: 百万円 as printed (exact yen alongside), its own columns, no 相殺等, and one
    table per segment under its real name."""
    result = runner.invoke(app, ["report", str(EXAMPLE), "--format", "json", "--statement", "summary_bs"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    names = [t["table"] for t in doc["tables"]]
    assert names[0] == "概要_貸借対照表" and "概要_一般事業_貸借対照表" in names
    assert not any("{segment}" in n for n in names)
    whole = doc["tables"][0]
    assert whole["unit"] == "百万円" and whole["rounding"] == "half_up"
    assert whole["columns"][:3] == ["予算", "決算", "差引"] and "相殺等" not in whole["columns"]
    assets = next(ln for ln in whole["lines"] if ln.get("line") == "資産")
    assert assets["cells"]["決算"]["value"] == 271_189 and assets["cells"]["決算"]["yen"] == 271_189_059_015

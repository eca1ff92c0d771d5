"""A note's wording, marks, styles and text columns are layout data (docs/layouts.md): what the
report model makes of them, how every output prints a styled cell, and the located errors of
a layout that gets them wrong."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app
from kessan.publish.xlsx import number_format
from kessan.render.format import printed
from kessan.report.model import Cell, Style

runner = CliRunner()


def test_printed_applies_the_cell_style():
    assert printed(Cell(0)) == "0"
    assert printed(Cell(0, style=Style(zero="-"))) == "-"
    assert printed(Cell(0, style=Style(zero=""))) == ""
    assert printed(Cell(5, style=Style(zero="-"))) == "5"
    assert printed(Cell(237482, style=Style(bracket=True))) == "(237,482)"
    assert printed(Cell(-47636, style=Style(bracket=True))) == "(△47,636)"
    assert printed(Cell(2185590471, style=Style(suffix=" 円"))) == "2,185,590,471 円"
    assert printed(Cell("令和4年 ~令和7年", style=Style(zero="-"))) == "令和4年 ~令和7年"  # text as it is


def test_workbook_number_formats_keep_the_cell_a_number():
    assert number_format(1) == '#,##0;"△"#,##0'
    assert number_format(0, Style(zero="-")) == '#,##0;"△"#,##0;"-"'
    assert number_format(0, Style(zero="")) == '#,##0;"△"#,##0;'
    assert number_format(1, Style(bracket=True)) == '"("#,##0")";"("\"△"#,##0")";"("#,##0")"'
    assert number_format(1, Style(suffix=" 円")) == '#,##0" 円";"△"#,##0" 円";#,##0" 円"'
    assert number_format(Decimal("1.5"), Style(zero="-")) == '#,##0.0;"△"#,##0.0;"-"'


@pytest.fixture(scope="module")
def report(example_book):
    return example_book.report(2020)


def test_notes_carry_their_wording_marks_and_styles(report):
    pl = report.table("pl")
    marks = {r.label: r.mark for r in pl.rows if r.mark}
    assert marks == {"事業費": "※1", "一般管理費": "※2", "固定資産除却損": "※3"}
    costs = report.table("note_project_costs")
    assert not costs.show_title and costs.unit is None
    assert costs.before == ["(損益計算書関係)", "1 事業費の主要な費目と金額は、次のとおりであります。"]
    assert costs.after[0].startswith("\u3000事業費とは") and all(b.startswith("・") for b in costs.after[1:])
    assert printed(costs.rows[0].cells[0]).endswith(" 円") and not printed(costs.rows[1].cells[0]).endswith("円")
    assert costs.columns[0].label == "当事業年度\n(自 令和2年4月1日\n至 令和3年3月31日)"
    fi = report.table("note_financial_instruments")
    assert printed(fi.rows[0].cells[2]) == "-"  # 差額 of 現金及び預金: a dash, as published
    summary = report.table("summary_cf")
    receipts = next(r for r in summary.rows if r.label == "(収入計)")
    assert printed(receipts.cells[0]).startswith("(") and printed(receipts.cells[0]).endswith(")")


def test_text_columns_come_from_the_registers_and_the_book(report):
    borrowings = report.table("borrowings_schedule")
    due = [r.cells[-1].value for r in borrowings.rows]
    assert due == ["-", "令和4年 ~令和7年", "-"]  # the lease register's repayment years
    assert not borrowings.columns[-1].numeric and all(r.cells[-1].figure is None for r in borrowings.rows)
    subsidies = report.table("subsidies")
    assert subsidies.columns[0].label == "交付者" and subsidies.rows[0].cells[0].value == "一般財団法人 全国市町村振興協会"


def test_two_column_appropriation_keys_each_figure_once(report):
    table = report.table("appropriation")
    assert [c.label for c in table.columns] == ["内訳", "金額"]
    rows = {r.label: r for r in table.rows}
    assert rows["処分対象利益"].cells[0].value is None and rows["処分対象利益"].cells[1].figure is not None
    assert rows["当期純利益"].cells[1].value is None and rows["当期純利益"].cells[0].figure is not None
    both = rows["積立金"]
    assert both.cells[0].value == both.cells[1].value and both.cells[0].figure is None and both.cells[1].figure is not None
    assert both.formulas[0].terms[0].col == 1  # the workbook's inner copy refers to the figure


def test_per_segment_headings_are_numbered(report):
    titles = [t.title for t in report.tables if t.statement == "summary_bs" and t.segment]
    assert titles[0] == "1 一般事業 (1) 貸借対照表" and titles[-1].startswith("8 ")


def test_a_sentence_cites_a_computed_figure(example_dir):
    layout = example_dir / "layouts" / "100_note_accumulated_depreciation.toml"
    text = layout.read_text(encoding="utf-8").replace('(貸借対照表関係)"""', '(貸借対照表関係) ${note_accum.accumulated} 円"""')
    layout.write_text(text, encoding="utf-8")
    with kessan.open_book(example_dir) as opened:
        table = opened.report().table("note_accum")
    assert table.before == ["(貸借対照表関係) 2,185,590,471 円"]


@pytest.mark.parametrize(("file", "old", "new", "says"), [
    ("115_note_receivables_maturity.toml", '\nzero = ""', '\nzero = "none"', "zero must be"),
    ("103_note_disposal_losses.toml", 'before = """', 'before = """${bs.nope}', "no line 'nope' in bs"),
    ("103_note_disposal_losses.toml", 'before = """', 'before = """${no_such_policy}', "${no_such_policy} is not set"),
    ("122_borrowings_schedule.toml", 'texts = { due = "-" }', 'texts = { nope = "-" }', "'nope' is not a text column"),
    ("30_appropriation.toml", 'place = "inner"', 'place = "middle"', "place must be one of"),
    ("101_note_project_costs.toml", 'unit_after = "first"', 'unit_after = "last"', "unit_after must be"),
])
def test_bad_wording_is_a_located_error(example_dir, file, old, new, says):
    path = example_dir / "layouts" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = runner.invoke(app, ["report", str(example_dir)])
    assert result.exit_code == 2, result.output
    assert f"layouts/{file}" in result.output and says in result.output
    assert "Traceback" not in result.output

"""`shown = "magnitude"` (docs/layouts.md, Signs): a line or column whose label says the
direction (減少額, 支払額) may print its amount without its sign. It is presentation only: the
figure, the figures contract and reconcile keep the signed number; every output (text, PDF,
HTML, the workbook's number format) prints the amount the same way."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app
from kessan.publish.xlsx import number_format
from kessan.render.format import printed
from kessan.report.model import Cell, Style

runner = CliRunner()
LAYOUT = "106_note_retirement.toml"
LINE = "label = \"退職給付の支払額\"\n"


def test_printed_without_sign():
    assert printed(Cell(-31049642, style=Style(magnitude=True))) == "31,049,642"
    assert printed(Cell(-5, style=Style(magnitude=True, bracket=True, suffix=" 円"))) == "(5 円)"
    assert printed(Cell(Decimal("-1.25"), style=Style(magnitude=True))) == "1.25"
    assert printed(Cell(-5, style=Style())) == "△5"  # the default keeps the sign


def test_workbook_format_prints_a_negative_number_without_sign():
    assert number_format(-1, Style(magnitude=True)) == "#,##0;#,##0;#,##0"
    assert number_format(-1, Style(zero="-", magnitude=True)) == '#,##0;#,##0;"-"'


def _magnitude(example_dir):
    path = example_dir / "layouts" / LAYOUT
    text = path.read_text(encoding="utf-8")
    assert LINE in text
    path.write_text(text.replace(LINE, LINE + "shown = \"magnitude\"\n", 1), encoding="utf-8")


def test_every_output_prints_the_magnitude_and_the_figure_keeps_its_sign(example_dir, tmp_path):
    _magnitude(example_dir)
    with kessan.open_book(example_dir) as book:
        table = book.report().table("note_2220")
        row = next(r for r in table.rows if r.label == "退職給付の支払額")
        figure = next(f for f in book.figures() if f.table == "注記_退職給付引当金の調整表" and f.line == "退職給付の支払額")
        book.publish(tmp_path / "out", ("xlsx", "html"))
    assert row.cells[0].value == -31049642 and figure.value == -31049642  # the contract keeps the sign
    assert printed(row.cells[0]) == "31,049,642"
    html = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out" / "html").glob("*.html"))
    assert ">31,049,642<" in html and "△31,049,642" not in html
    sheet = next(ws for ws in openpyxl.load_workbook(next((tmp_path / "out").glob("*.xlsx"))).worksheets
                 if any(c.value == -31049642 for r in ws.iter_rows() for c in r))
    cell = next(c for r in sheet.iter_rows() for c in r if c.value == -31049642)
    assert "△" not in cell.number_format
    result = runner.invoke(app, ["report", str(example_dir), "-s", "note_2220"])
    assert result.exit_code == 0, result.output
    assert "31,049,642" in result.output and "△31,049,642" not in result.output


def test_a_bad_shown_is_a_located_error(example_dir):
    path = example_dir / "layouts" / LAYOUT
    path.write_text(path.read_text(encoding="utf-8").replace(LINE, LINE + "shown = \"abs\"\n", 1), encoding="utf-8")
    result = runner.invoke(app, ["report", str(example_dir)])
    assert result.exit_code == 2 and f"layouts/{LAYOUT}" in result.output and "shown" in result.output
    assert "Traceback" not in result.output

"""One report model feeds every output: the terminal text, CSV, JSON, the workbook, the PDF
and the HTML site each carry every figure of `kessan figures`, equal to the model's cell —
for the example book and the small test book.

Every output is produced through the command line, as a user gets it; the model comes from
the application layer. A figure counts as carried when its printed form (△ for negatives in
the text, the PDF and the site; a number in the workbook; the signed value in CSV and JSON)
stands in that output, in its table and row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal

import openpyxl
import pytest
from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app
from kessan.publish.xlsx import INDEX_SHEET
from kessan.render.format import amount
from kessan.report.figures import figures

from .conftest import EXAMPLE, MINI
from .test_publish import pdf_text

runner = CliRunner()
BOOKS = {"example": EXAMPLE, "mini": MINI}


@pytest.fixture(scope="module", params=sorted(BOOKS))
def book(request, tmp_path_factory):
    """(book directory, its report model, the figures CLI output, the published folder)."""
    path = BOOKS[request.param]
    with kessan.open_book(path) as opened:
        report = opened.report()
    listed = runner.invoke(app, ["figures", str(path)])
    assert listed.exit_code == 0, listed.output
    out = tmp_path_factory.mktemp(f"publish-{request.param}")
    published = runner.invoke(app, ["publish", str(path), "--out", str(out)])
    assert published.exit_code == 0, published.output
    return path, report, list(csv.DictReader(io.StringIO(listed.stdout))), out


def _cells(report):
    """(table, row, cell) of every figure of the model."""
    return [(t, r, c) for t, r, c in report.cells() if c.value is not None]


def _contract(value) -> str:
    return str(value)


def test_figures_are_the_models_cells(book):
    _, report, listed, _ = book
    model = [(c.figure.table, c.figure.line, c.figure.column, _contract(c.value)) for _, _, c in _cells(report)]
    assert [(r["table"], r["line"], r["column"], r["value"]) for r in listed] == model
    assert [(f.table, f.line, f.column, str(f.value)) for f in figures(report)] == model
    assert len(model) > 50


def test_every_row_has_one_cell_per_column(book):
    """The model's shape: a renderer may zip a row's cells with its table's columns."""
    _, report, _, _ = book
    bad = [(t.id, r.label, len(r.cells), len(t.columns)) for t in report.tables for r in t.rows if len(r.cells) != len(t.columns)]
    assert bad == []


def test_csv_output_carries_every_figure(book):
    path, _report, listed, _ = book
    result = runner.invoke(app, ["report", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = [(r["table"], r["line"], r["column"], r["value"]) for r in csv.DictReader(io.StringIO(result.stdout))]
    assert rows == [(r["table"], r["line"], r["column"], r["value"]) for r in listed]


def test_json_output_carries_every_figure(book):
    path, report, _, _ = book
    result = runner.invoke(app, ["report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    by_id = {t["id"]: t for t in doc["tables"]}
    for table, row, cell in _cells(report):
        lines = [ln for ln in by_id[table.id]["lines"] if ln.get("line") == row.key and ln["label"] == row.label]
        assert lines, (table.id, row.key)
        column = table.columns[row.cells.index(cell)].key
        got = lines[0]["cells"][column]
        value = str(cell.value) if isinstance(cell.value, Decimal) else cell.value
        assert got["value"] == value, (table.id, row.key, column)
        assert got.get("yen") == cell.yen


def test_text_output_carries_every_figure(book):
    path, report, _, _ = book
    result = runner.invoke(app, ["report", str(path)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    cursor = 0
    for table in report.tables:
        if table.kind == "text":
            continue
        # the table's title line, then each row's line in order with the row's printed amounts
        cursor = next(n for n in range(cursor, len(lines)) if table.title in lines[n])
        for row in table.rows:
            printed = [amount(c.value) for c, col in zip(row.cells, table.columns, strict=True)
                       if col.numeric and c.value is not None]
            if not printed:
                continue
            found = next((n for n in range(cursor, len(lines))
                          if row.label[:6] in lines[n] and _in_order(printed, lines[n].replace("│", " ").split())), None)
            assert found is not None, f"{table.id} {row.label}: {printed} not in the text output after line {cursor}"
            cursor = found + 1


def _in_order(wanted: list[str], tokens: list[str]) -> bool:
    it = iter(tokens)
    return all(any(t == w for t in it) for w in wanted)


def test_workbook_carries_every_figure(book):
    _, report, _, out = book
    (path,) = out.glob("*.xlsx")
    wb = openpyxl.load_workbook(path, data_only=True)  # stored values, as a reader without Excel sees them
    index = wb[INDEX_SHEET]
    at = {(r[0], r[1], r[2]): (r[3], r[4]) for r in index.iter_rows(min_row=2, values_only=True)}
    for _, _, cell in _cells(report):
        f = cell.figure
        sheet, ref = at[(f.table, f.line, f.column)]
        got = wb[sheet][ref].value
        if isinstance(cell.value, Decimal):
            assert isinstance(got, (int, float)) and Decimal(str(got)) == cell.value, (f, got)
        else:
            assert type(got) is int and got == cell.value, (f, got)
    assert len(at) == len(_cells(report))


def test_html_site_carries_every_figure(book):
    _, report, _, out = book
    found: dict[tuple[str, str, str], str] = {}
    for page in (out / "html").glob("*.html"):
        root = ET.fromstring(page.read_text(encoding="utf-8"))
        for table in root.iter("table"):
            name = table.get("data-table")
            for tr in table.iter("tr"):
                line = tr.get("data-line")
                for td in tr.iter("td"):
                    if td.get("data-column") is not None:
                        found[(name, line, td.get("data-column"))] = "".join(td.itertext())
    for _, _, cell in _cells(report):
        f = cell.figure
        assert found.get((f.table, f.line, f.column)) == amount(cell.value), f


def test_pdf_carries_every_figure(book):
    _, report, _, out = book
    (path,) = out.glob("*.pdf")
    tokens = Counter(re.split(r"\s+", "\n".join(pdf_text(path))))
    wanted = Counter(amount(c.value) for _, _, c in _cells(report))
    missing = wanted - tokens
    assert not missing, f"figures not printed in the PDF (printed form: times missing): {dict(list(missing.items())[:20])}"


def test_csv_text_never_runs_as_a_formula():
    from kessan.report.figures import Figure, write_csv

    out = io.StringIO()
    write_csv([Figure("=HYPERLINK(\"http://x\")", "+1", "@SUM(A1)", -5), Figure("t", "-x", "\tc", "-65.5"),
               Figure("t", "l", "c", "=1+1")], out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)", "-5"]
    assert rows[2] == ["t", "'-x", "'\tc", "-65.5"]  # a negative number stays a number
    assert rows[3][3] == "'=1+1"


def test_republish_replaces_whole_files_and_removes_only_its_stale_pages(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("a file of the user's", encoding="utf-8")
    first = runner.invoke(app, ["publish", str(MINI), "--out", str(out), "--format", "xlsx,html"])
    assert first.exit_code == 0, first.output
    stale = out / "html" / "old-page.html"
    stale.write_text("stale", encoding="utf-8")
    manifest = json.loads((out / ".kessan-publish.json").read_text(encoding="utf-8"))
    manifest["html"].append("html/old-page.html")  # as if an earlier package had that page
    (out / ".kessan-publish.json").write_text(json.dumps(manifest), encoding="utf-8")
    again = runner.invoke(app, ["publish", str(MINI), "--out", str(out), "--format", "html"])
    assert again.exit_code == 0, again.output
    assert not stale.exists() and (out / "mine.txt").exists() and (out / "mini-r2.xlsx").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".kessan-staging")]


def test_publish_into_a_file_or_a_read_only_folder_is_a_clean_error(tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["publish", str(MINI), "--out", str(target), "--format", "xlsx"])
    assert result.exit_code == 2 and "is a file" in result.output and "Traceback" not in result.output
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = runner.invoke(app, ["publish", str(MINI), "--out", str(locked / "sub"), "--format", "xlsx"])
        if os.geteuid() != 0:  # root writes anyway; elsewhere a clean refusal
            assert result.exit_code == 2 and "cannot write the package" in result.output
        assert "Traceback" not in result.output
    finally:
        locked.chmod(0o700)
    result = runner.invoke(app, ["publish", str(MINI), "--out", "/proc/kessan-cannot-write", "--format", "xlsx"])
    assert result.exit_code == 2 and "cannot write the package" in result.output and "Traceback" not in result.output

"""kessan publish: the workbook, the PDF and the HTML site show exactly the figures of
`kessan figures`, in the published order and layout (docs/publish.md).

The package is published once per session. The PDF is read back with PDFium (the pinned
pypdfium2 test dependency): its text line by line, page sizes, fonts, rendered pages.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import tomllib
import xml.etree.ElementTree as ET
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from kessan.cli import app
from kessan.publish import read_spec
from kessan.publish.build import spec_problems
from kessan.publish.xlsx import INDEX_SHEET, INTEGER
from kessan.render.format import amount, printed
from kessan.report.model import Cell

from .conftest import EXAMPLE

runner = CliRunner()
SPEC = EXAMPLE / "publish.toml"
BASE = tomllib.loads(SPEC.read_text(encoding="utf-8"))["package"]["file"]


def pdf_text(path: Path) -> list[str]:
    """The text of each page, a line for each line of print (PDFium)."""
    import pypdfium2 as pdfium

    with closing(pdfium.PdfDocument(path)) as pdf:
        pages = []
        for page in pdf:
            with closing(page), closing(page.get_textpage()) as text:
                pages.append(text.get_text_range().replace("\r\n", "\n"))
        return pages


def pdf_page_sizes(path: Path) -> list[tuple[float, float]]:
    """(width, height) of each page in points."""
    import pypdfium2 as pdfium

    with closing(pdfium.PdfDocument(path)) as pdf:
        return [pdf.get_page_size(i) for i in range(len(pdf))]


def pdf_fonts(path: Path) -> dict[str, bool]:
    """The fonts the text of the PDF is drawn with: base font name → embedded."""
    import ctypes

    import pypdfium2 as pdfium
    from pypdfium2 import raw

    fonts = {}
    with closing(pdfium.PdfDocument(path)) as pdf:
        for page in pdf:
            with closing(page):
                for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]):
                    font = raw.FPDFTextObj_GetFont(obj.raw)
                    size = raw.FPDFFont_GetBaseFontName(font, None, 0)
                    name = ctypes.create_string_buffer(size)
                    raw.FPDFFont_GetBaseFontName(font, name, size)
                    fonts[name.value.decode()] = bool(raw.FPDFFont_GetIsEmbedded(font))
    return fonts


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("publish")
    result = runner.invoke(app, ["publish", str(EXAMPLE), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def expected() -> dict[tuple[str, str, str], str]:
    """Every figure of `kessan figures`, value as printed in its CSV."""
    result = runner.invoke(app, ["figures", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    return {(r["table"], r["line"], r["column"]): r["value"] for r in csv.DictReader(io.StringIO(result.stdout))}


@pytest.fixture(scope="session")
def package(example_book):
    return example_book.package()


def same(cell, figure: str) -> bool:
    if re.fullmatch(r"-?\d+", figure):
        return type(cell) is int and cell == int(figure)  # a number, not text, and exact
    return isinstance(cell, (int, float)) and Decimal(str(cell)) == Decimal(figure)


# -- structure

def test_every_layout_is_in_the_package(example_report, expected, package):
    assert spec_problems(example_report, read_spec(SPEC)) == []
    assert {t.figure_table for t in package.tables} == {k[0] for k in expected}


def test_a_layout_left_out_is_bad_input(example_dir, tmp_path):
    text = (example_dir / "publish.toml").read_text(encoding="utf-8")
    (example_dir / "publish.toml").write_text(text.replace('tables = ["aro_schedule"]', 'tables = ["cf"]'), encoding="utf-8")
    result = runner.invoke(app, ["publish", str(example_dir), "--out", str(tmp_path / "out"), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "'aro_schedule' is not in the package" in result.output
    assert not (tmp_path / "out").exists()


def test_bad_structure_names_the_field(example_dir, tmp_path):
    text = (example_dir / "publish.toml").read_text(encoding="utf-8")
    text = text.replace('sheet = "引当金明細書"', 'sheet = "引当金明細書/様式第13号のとても長いシート名です、三十一文字を超える"')
    (example_dir / "publish.toml").write_text(text.replace('"note_accum",', '"note_nope",'), encoding="utf-8")
    result = runner.invoke(app, ["publish", str(example_dir), "--out", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "sheet" in result.output and "1-31 characters" in result.output


def test_unknown_statement_and_format(example_dir, tmp_path):
    text = (example_dir / "publish.toml").read_text(encoding="utf-8")
    (example_dir / "publish.toml").write_text(text.replace('"note_accum",', '"note_nope",'), encoding="utf-8")
    result = runner.invoke(app, ["publish", str(example_dir), "--out", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2 and "no statement 'note_nope'" in result.output
    result = runner.invoke(app, ["publish", str(example_dir), "--out", str(tmp_path), "--format", "docx"])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_one_format_only(tmp_path):
    result = runner.invoke(app, ["publish", str(EXAMPLE), "--out", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [".kessan-publish.json", f"{BASE}.xlsx"]


def test_captions_in_wareki(package):
    captions = {t.figure_table: t.caption for t in package.tables}
    assert captions["貸借対照表"] == "(令和3年3月31日現在)"
    assert captions["損益計算書"] == "(令和2年4月1日から令和3年3月31日まで)"
    assert package.date == "令和3年6月23日" and package.title == "令和2年度決算"
    units = {t.figure_table: t.unit for t in package.tables}
    assert (units["貸借対照表"], units["概要_貸借対照表"], units["推移"]) == ("(単位：円)", "(単位：百万円)", "(単位：億円)")


# -- the workbook

@pytest.fixture(scope="session")
def workbook(published):
    path = published / f"{BASE}.xlsx"
    return openpyxl.load_workbook(path, data_only=True), openpyxl.load_workbook(path, data_only=False)


def test_workbook_numbers_are_the_figures(workbook, expected):
    values, _ = workbook
    index = list(values[INDEX_SHEET].iter_rows(min_row=2, values_only=True))
    keys = [(t, line, c) for t, line, c, _, _ in index]
    assert len(keys) == len(set(keys)), "a figure appears twice"
    assert set(keys) == set(expected), (sorted(set(expected) - set(keys))[:5], sorted(set(keys) - set(expected))[:5])
    different = []
    for table, line, column, sheet, ref in index:
        cell = values[sheet][ref]
        if not same(cell.value, expected[(table, line, column)]):
            different.append((table, line, column, cell.value, expected[(table, line, column)]))
        if str(expected[(table, line, column)]).startswith("-"):
            assert cell.value < 0 and "△" in cell.number_format, (table, line, column)
    assert different == []


def test_workbook_has_no_number_outside_the_figures(workbook):
    """Every number is a figure, or a reference to one (利益の処分 prints some figures in both of its
    amount columns: the inner copy is a formula =<the figure's cell>)."""
    values, formulas = workbook
    indexed = {(sheet, ref) for *_, sheet, ref in values[INDEX_SHEET].iter_rows(min_row=2, values_only=True)}

    def copy_of_figure(sheet: str, ref: str) -> bool:
        formula = formulas[sheet][ref].value
        return isinstance(formula, str) and (sheet, formula.removeprefix("=")) in indexed

    stray = [(ws.title, c.coordinate, c.value) for ws in values.worksheets[1:] if ws.title != INDEX_SHEET
             for row in ws.iter_rows() for c in row
             if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) and (ws.title, c.coordinate) not in indexed
             and not copy_of_figure(ws.title, c.coordinate)]
    assert stray == []
    appropriation = values["利益の処分に関する書類"]
    sheet = appropriation.title
    copies = [c for r in formulas[sheet].iter_rows() for c in r if copy_of_figure(sheet, c.coordinate)]
    assert len(copies) == 2  # 積立金 and システム開発積立金, in 内訳 and 金額


def test_workbook_sheets_in_published_order(workbook):
    values, _ = workbook
    spec = read_spec(SPEC)
    assert values.sheetnames == ["目次", *(p.sheet for p in spec.parts), INDEX_SHEET]
    assert values[INDEX_SHEET].sheet_state == "hidden"
    assert all(len(name) <= 31 for name in values.sheetnames)


def test_workbook_subtotals_are_formulas_with_values(workbook, expected):
    values, formulas = workbook
    bs_values, bs_formulas = values["貸借対照表"], formulas["貸借対照表"]
    row = next(r for r in range(1, bs_values.max_row + 1) if bs_values.cell(r, 1).value == "資産合計")
    assert str(bs_formulas.cell(row, 2).value).startswith("=")
    assert bs_values.cell(row, 2).value == int(expected[("貸借対照表", "資産合計", "金額")])  # the stored result
    n = sum(1 for ws in formulas.worksheets for r in ws.iter_rows() for c in r
            if isinstance(c.value, str) and c.value.startswith("="))
    assert n > 300


def test_workbook_layout_and_print_setup(workbook):
    values, _ = workbook
    bs = values["貸借対照表"]
    assert bs.freeze_panes is not None and bs.print_title_rows
    # A4, one page wide by a print scale (not "fit to", under which Excel ignores the page breaks:
    # tests/test_workbook_pages.py)
    assert bs.page_setup.paperSize == 9 and not bs.sheet_properties.pageSetUpPr.fitToPage
    assert values["事業別貸借対照表"].page_setup.orientation == "landscape"
    assert bs.page_setup.orientation == "portrait"
    amounts = [c for r in bs.iter_rows() for c in r if isinstance(c.value, int)]
    assert amounts and all(c.number_format == INTEGER for c in amounts)
    provisions = values["引当金明細書"]
    headers = {c.value for r in provisions.iter_rows() for c in r if isinstance(c.value, str)}
    assert {"当期減少額\n(目的使用)\n(円)", "当期減少額\n(その他)\n(円)"} <= headers  # as published, line by line
    assets = values["有形固定資産等明細書"]
    head = next(r for r in assets.iter_rows(values_only=True) if r[0] == "資産の種類")  # one header row, as published
    assert "当期首\n残高\n(円)" in head and "当期\n償却額\n(円)" in head
    trend = values["参考資料1-1 推移"]
    assert any(c.number_format.startswith("#,##0.0") for r in trend.iter_rows() for c in r if isinstance(c.value, float))


# -- the PDF

@pytest.fixture(scope="session")
def pdf(published) -> Path:
    return published / f"{BASE}.pdf"


@pytest.fixture(scope="session")
def pdf_pages(pdf) -> list[str]:
    return pdf_text(pdf)


def test_pdf_has_every_figure_of_the_balance_sheet_and_income_statement(pdf_pages, package):
    lines = [line for page in pdf_pages[2:] for line in page.splitlines()]
    for name in ("貸借対照表", "損益計算書"):
        table = next(t for t in package.tables if t.figure_table == name)
        cursor = 0
        for i, _, cell in table.figures():
            key, label, text = cell.figure.line, table.rows[i].label, printed(cell)
            found = next((n for n in range(cursor, len(lines))
                          if label in lines[n] and text in lines[n].split()), None)
            assert found is not None, f"{name} {key}: {text} not found in the PDF text after line {cursor}"
            cursor = found + 1


def test_pdf_cover_contents_and_page_numbers(pdf_pages, package):
    cover, contents = pdf_pages[0], pdf_pages[1]
    assert package.entity in cover and "令和2年度決算" in cover.replace(" ", "") and "令和3年6月23日" in cover
    assert "目" in contents and re.search(r"貸借対照表[ .]+\d+", contents)
    for part in package.parts:
        assert part.title.replace(" ", "")[:8] in contents.replace(" ", ""), part.title
    assert re.search(r"-\s*3\s*-", pdf_pages[2])  # page numbers


def test_pdf_wide_tables_are_landscape(pdf, pdf_pages):
    sizes = dict(enumerate(pdf_page_sizes(pdf), 1))
    assert len(sizes) == len(pdf_pages)
    landscape = [n for n, (w, h) in sizes.items() if w > h]
    segment_pages = [n for n, text in enumerate(pdf_pages, 1) if "事業別財務情報(貸借対照表関係)" in text.replace(" ", "")]
    assert segment_pages and all(n in landscape for n in segment_pages if n > 2)
    assert 1 not in landscape and 3 not in landscape  # cover and 貸借対照表


def test_pdf_segment_table_fits_its_page_with_broken_headers(pdf_pages):
    """The 事業別貸借対照表 is laid out on one page (compact if need be), its segment names broken
    at the points segments.toml declares (本人確認情報 / 処理事業), never inside a word."""
    pages = [p for p in pdf_pages[2:] if "事業別財務情報(貸借対照表関係)" in p.replace(" ", "")]  # running header
    assert len(pages) == 1
    page = pages[0]
    assert "相殺等" in page and "一般事業" in page and "科目" in page and "負債純資産合計" in page
    assert "本人確認情報\n処理事業" in page and "公的個人認証\nサービス事業" in page


def test_pdf_fonts_are_embedded_japanese_fonts(pdf, tmp_path):
    """Every font in the PDF is embedded and is one of the Japanese font files of
    publish.fonts (by PostScript name), so nothing fell back to another font."""
    from fontTools.ttLib import TTFont

    from kessan.publish.fonts import japanese_fonts

    ours = {}
    for font in japanese_fonts().values():
        tt = TTFont(font.path, fontNumber=0, lazy=True)
        ours[tt["name"].getDebugName(6)] = set(tt.getBestCmap())
    assert all({ord(ch) for ch in "貸借対照表令和年度決算△"} <= cmap for cmap in ours.values()), "not Japanese fonts"
    fonts = pdf_fonts(pdf)
    assert fonts
    for name, embedded in fonts.items():
        assert embedded, f"font {name} is not embedded"
        postscript = name.split("+", 1)[-1]  # a subset: ABCDEF+NotoSerifJP-Regular
        assert postscript in ours, f"font fallback to {name}"  # nothing fell back to a non-Japanese font


def test_pdf_text_has_glyphs_in_the_embedded_fonts(pdf_pages):
    """Every character printed is in the Japanese font's character map, so none was drawn as
    a missing glyph (tofu) or taken from a fallback font."""
    from fontTools.ttLib import TTFont

    from kessan.publish.fonts import japanese_fonts

    covered = set()
    for font in japanese_fonts().values():
        covered |= set(TTFont(font.path, fontNumber=0).getBestCmap())
    used = {ch for page in pdf_pages for ch in page if not ch.isspace()}
    assert {ch for ch in used if ord(ch) not in covered} == set()


def _subset(package, *part_ids: str):
    """A copy of the package with only the named parts (and their sections)."""
    pkg = copy.deepcopy(package)
    for section in pkg.sections:
        section.parts = [p for p in section.parts if p.id in part_ids]
    pkg.sections = [s for s in pkg.sections if s.parts]
    return pkg


HOSTILE = ['#exec("rm")', '] #panic("x") [', '$x^2$ *b* _i_', '@ref <lbl>', 'back\\slash \\u{41} \\n',
           '"q" // c /* d */', '= h -- ... ~ `raw`', '#{1 + 1} #let x = 2', '} ) ]', '- item + enum']


def test_pdf_prints_hostile_labels_literally(package, tmp_path):
    """Labels come from the book: Typst markup or code in any of them prints as it is."""
    from kessan.publish.pdf import write_pdf

    pkg = _subset(package, "bs", "policies", "budget_bs")
    words = iter(HOSTILE * 4)
    pkg.entity, pkg.title, pkg.date = next(words), next(words), next(words)
    pkg.labels = {**pkg.labels, "contents": next(words)}
    section = pkg.sections[0]
    section.title, section.toc = next(words), next(words)
    part = section.parts[0]
    part.title, part.form, part.group = next(words), next(words), next(words)
    table = part.tables[0]
    table.title, table.caption, table.unit, table.label_header = next(words), next(words), next(words), next(words)
    table.rows[1].label, table.rows[2].label = next(words), next(words)
    policies = section.parts[1]
    policies.text = [next(words), "\u3000" + next(words)]
    budget = pkg.sections[1].parts[0].tables[0]
    budget.notes = [next(words)]
    remarks = next(j for j, c in enumerate(budget.columns) if not c.numeric)
    budget.rows[3].cells[remarks] = Cell(next(words))
    path = write_pdf(pkg, tmp_path / "hostile.pdf")
    text = "".join("".join(pdf_text(path)).split())
    missing = [w for w in HOSTILE if "".join(w.split()) not in text]
    assert missing == []


def test_pdf_landscape_part_is_landscape(package, tmp_path):
    """A part marked landscape gets A4 landscape pages, whatever its width; the others A4 portrait."""
    from kessan.publish.pdf import write_pdf

    pkg = _subset(package, "bs", "pl")
    pl = pkg.sections[0].parts[1]
    pl.landscape = True
    path = write_pdf(pkg, tmp_path / "landscape.pdf")
    pages = pdf_text(path)
    sizes = dict(enumerate(pdf_page_sizes(path), 1))
    pl_pages = {n for n, text in enumerate(pages, 1) if n > 2 and "損益計算書" in text}  # the running header
    assert len(pl_pages) >= 1 and len(sizes) == len(pages) >= 4
    for n, (w, h) in sizes.items():
        if n in pl_pages:
            assert (round(w), round(h)) == (842, 595), (n, w, h)
        else:
            assert (round(w), round(h)) == (595, 842), (n, w, h)


def test_pdf_short_table_taller_than_a_page_runs_over(package, tmp_path):
    """A short table is kept on one page, but one taller than a page (a reason of 120 lines)
    runs over the next pages rather than off the bottom of one: nothing is lost."""
    from kessan.publish.pdf import write_pdf

    pkg = _subset(package, "summary")
    table = pkg.sections[0].parts[0].tables[0]
    assert table.compact
    reasons = next(j for j, c in enumerate(table.columns) if c.long)
    table.rows[0].cells[reasons] = Cell("\n".join(f"・理由{n}" for n in range(1, 121)))
    pages = pdf_text(write_pdf(pkg, tmp_path / "tall.pdf"))
    text = "".join(pages)
    assert all(f"理由{n}" in text for n in range(1, 121))
    assert len(pages) >= 4  # cover, contents, and the part over two pages at least


def test_pdf_first_pages_render(pdf, tmp_path):
    """The first pages render (PDFium raises on a PDF it cannot read) and are not blank."""
    import pypdfium2 as pdfium
    from PIL import Image

    with closing(pdfium.PdfDocument(pdf)) as document:
        for i in range(4):
            with closing(document[i]) as page:
                page.render(scale=40 / 72).to_pil().save(tmp_path / f"p-{i + 1}.png")
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) == 4
    for page in pages:
        image = Image.open(page).convert("L")
        lo, hi = image.getextrema()
        assert lo < 100 and hi > 200, f"{page.name} looks blank"


# -- the HTML site

@pytest.fixture(scope="session")
def site(published) -> dict[str, ET.Element]:
    pages = {}
    for path in sorted((published / "html").glob("*.html")):
        pages[path.name] = ET.fromstring(path.read_text(encoding="utf-8"))  # well-formed, or this raises
    return pages


def test_site_has_an_index_and_a_page_per_table(site, package):
    from kessan.publish.html import site_pages

    stems = [stem for stem, _ in site_pages(package)]
    assert set(site) == {"index.html", *(f"{s}.html" for s in stems)}
    links = [a.get("href") for a in site["index.html"].iter("a")]
    assert links == [f"{s}.html" for s in stems]
    for name, root in site.items():  # one table on every page (重要な会計方針 has none)
        assert len(list(root.iter("table"))) <= 1, name
    assert len(stems) == sum(max(1, len(p.tables)) for p in package.parts)
    notes = next(p for p in package.parts if len(p.tables) > 1)
    assert f"{notes.id}-1.html" in site and f"{notes.id}-{len(notes.tables)}.html" in site


def test_site_shows_every_figure(site, expected, package):
    shown = {}
    for root in site.values():
        for table in root.iter("table"):
            name = table.get("data-table")
            for tr in table.iter("tr"):
                for td in tr.iter("td"):
                    if td.get("data-column") is not None:
                        key = (name, tr.get("data-line"), td.get("data-column"))
                        assert key not in shown, key
                        shown[key] = "".join(td.itertext())
    assert set(shown) == set(expected)
    plain = {k: amount(int(v)) if re.fullmatch(r"-?\d+", v) else amount(Decimal(v)) for k, v in expected.items()}
    styled = {(c.figure.table, c.figure.line, c.figure.column): (c, printed(c))
              for t in package.tables for _, _, c in t.figures()}
    # as the layout styles it: a zero as "-" or blank, brackets, the unit after the amount
    assert [k for k in expected if shown[k] != styled[k][1]] == []
    assert [k for k in expected if shown[k] != plain[k] and styled[k][0].style is None] == []
    assert {shown[k] for k in expected if shown[k] != plain[k] and plain[k] == "0"} == {"-", ""}


def test_site_tables_are_accessible_and_local(site, published):
    for name, root in site.items():
        assert root.get("lang") == "ja"
        for table in root.iter("table"):
            assert table.find("caption") is not None, name
            assert all(th.get("scope") in ("col", "colgroup", "row") for th in table.iter("th")), name
        for element in root.iter():
            for attr in ("src", "href"):
                value = element.get(attr) or ""
                assert "//" not in value, f"{name}: external reference {value}"
    css = (published / "html" / "style.css").read_text(encoding="utf-8")
    assert "@media print" in css and "url(" not in css and "@import" not in css

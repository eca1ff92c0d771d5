"""The workbook's print setup (issue 14): a table that fits on a printed page starts on a fresh
page rather than splitting, its title and wording with it. Read back with openpyxl: the row
breaks, the print scale, the margins and the row heights of each sheet, paginated as Excel
does (a manual break, else a new page when the next row does not fit)."""

from __future__ import annotations

import openpyxl
import pytest

from kessan.publish.xlsx import page_breaks, write_workbook

from .test_publish import package  # noqa: F401  (session fixture)

A4 = (8.27, 11.69)  # inches
DEFAULT_ROW = 15.0


@pytest.fixture(scope="module")
def workbook(package, tmp_path_factory):  # noqa: F811
    path = write_workbook(package, tmp_path_factory.mktemp("pages") / "pages.xlsx")
    return openpyxl.load_workbook(path)


def _page_height(ws) -> float:
    """The printable height of a page in the sheet's points (unscaled), less the repeated header rows."""
    landscape = ws.page_setup.orientation == "landscape"
    _width, height = A4[::-1] if landscape else A4
    margins = ws.page_margins
    printable = (height - margins.top - margins.bottom) * 72 * 100 / (ws.page_setup.scale or 100)
    titles = ws.print_title_rows
    if titles:
        first, last = (int(x) for x in titles.replace("$", "").split(":"))
        printable -= sum(_height(ws, r - 1) for r in range(first, last + 1))
    return printable


def _height(ws, row: int) -> float:
    """The height of a 0-based row."""
    return ws.row_dimensions[row + 1].ht or DEFAULT_ROW


def _pages(ws) -> list[int]:
    """The printed page of each 0-based row."""
    breaks = {b.id for b in ws.row_breaks.brk}  # a break after the 1-based row id: before 0-based row id
    page_height, used, page, pages = _page_height(ws), 0.0, 1, []
    for r in range(ws.max_row):
        height = _height(ws, r)
        if (r in breaks or used + height > page_height) and used > 0:
            page, used = page + 1, 0.0
        used += height
        pages.append(page)
    return pages


def _extents(ws, part) -> list[tuple[str, int, int]]:
    """Each table of the part: its id, first and last row (the first table's first row is the
    sheet's: the part's headings go with it; a later one starts at its title or wording)."""
    if not part.tables:  # a text part (重要な会計方針): no table to keep together
        return []
    firsts = {part.tables[0].id: 0}
    texts = [str(ws.cell(r + 1, 1).value or "") for r in range(ws.max_row)]
    cursor = 0
    for table in part.tables[1:]:
        heads = [table.title if table.show_title and table.title != part.title else None,
                 *table.before[:1], table.caption, table.unit]
        head = next((h for h in heads if h), None)
        if head is None:  # nothing above its column headers: the first row's label, less the header rows
            cursor = texts.index(table.rows[0].printed_label, cursor)
            firsts[table.id] = cursor - (table.depth if any(table.header()) else 0)
        else:
            cursor = texts.index(head, cursor)
            firsts[table.id] = cursor
    ordered = sorted(firsts.items(), key=lambda kv: kv[1])
    if not ordered:
        return []
    ends = [first - 1 for _, first in ordered[1:]] + [ws.max_row - 1]
    return [(tid, first, end) for (tid, first), end in zip(ordered, ends, strict=True)]


def test_a_table_that_fits_a_page_is_on_one_page(workbook, package):  # noqa: F811
    broken = 0
    for part in package.parts:
        ws = workbook[part.sheet]
        assert not ws.sheet_properties.pageSetUpPr.fitToPage  # Excel ignores manual breaks under "fit to"
        pages, page_height = _pages(ws), _page_height(ws)
        extents = _extents(ws, part)
        starts = {first for _, first, _ in extents}
        for brk in ws.row_breaks.brk:
            assert brk.id in starts - {0}, f"{part.sheet}: a break before row {brk.id + 1}, which starts no table"
            broken += 1
        for tid, first, last in extents:
            height = sum(_height(ws, r) for r in range(first, last + 1))
            if height <= page_height:
                assert pages[first] == pages[last], f"{part.sheet}: {tid} is split over pages {pages[first]}-{pages[last]}"
    assert broken > 0  # the notes run over several pages, so some table starts a fresh one


def test_the_scale_fits_the_page_width(workbook, package):  # noqa: F811
    for part in package.parts:
        ws = workbook[part.sheet]
        width = A4[1] if part.landscape else A4[0]
        printable = (width - ws.page_margins.left - ws.page_margins.right) * 72
        # a stored width includes the 5 pixels of padding: 7 pixels a unit, 0.75 points a pixel
        widths = dict.fromkeys(range(1, ws.max_column + 1), 9.14)
        for dim in ws.column_dimensions.values():  # a dimension may span several columns (min..max)
            widths |= dict.fromkeys(range(dim.min, min(dim.max, ws.max_column) + 1), dim.width)
        columns = sum(widths.values()) * 7 * 0.75
        assert columns * (ws.page_setup.scale or 100) / 100 <= printable + 1, part.sheet


def test_page_breaks():
    """A block that does not fit the rest of the page starts a fresh one; one taller than a page
    runs on where it stands; the first block never breaks."""
    heights = {}
    assert page_breaks([(0, 3), (4, 7)], heights, 8, 4 * DEFAULT_ROW) == [4]
    assert page_breaks([(0, 1), (2, 3)], heights, 4, 4 * DEFAULT_ROW) == []
    assert page_breaks([(0, 1), (2, 9)], heights, 10, 4 * DEFAULT_ROW) == []  # taller than a page: no break before it
    assert page_breaks([(1, 2), (3, 5)], {3: 30.0}, 6, 5 * DEFAULT_ROW) == [3]

"""The package as an Excel workbook (XlsxWriter): one sheet per part, in the published order.

Cells hold numbers (negative amounts are negative numbers; △ is the number format), subtotal
cells a formula with its computed value stored, headers are merged over their spans, header
rows are frozen and repeated on every printed page, and the print setup is A4, fit to width.
A hidden sheet ``_figures`` maps every number to its key in the figures contract.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell

from ..report.model import Style, Value
from .model import Formula, Package, Part, Table

IndexRow = tuple[str, str, str, str, str]  # table, line, column, sheet, cell

INTEGER = '#,##0;"△"#,##0'
FONT = {"font_name": "游ゴシック", "font_size": 10}
INDEX_SHEET = "_figures"
LINE_HEIGHT = 13.5  # points per line of 10-point text
DEFAULT_ROW = 15.0  # points: a row of the default height
# the printable A4 area in points (portrait width, height) inside the margins of _print_setup:
# 0.5 in left and right, 0.7 in top and bottom (the running header and footer sit in them)
PRINTABLE = ((8.27 - 1.0) * 72, (11.69 - 1.4) * 72)


def display_width(text: str) -> int:
    """Width in Excel character units: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def number_format(value: Value, style: Style | None = None) -> str:
    """The Excel number format of a cell: △ for negatives; the cell's style (a zero as "-" or
    blank, brackets, the unit after the amount, no sign) as format sections, so the cell stays a number."""
    exponent = value.as_tuple().exponent if isinstance(value, Decimal) else 0
    digits = f"#,##0.{'0' * -exponent}" if isinstance(exponent, int) and exponent < 0 else "#,##0"
    if style is None:
        return f'{digits};"△"{digits}' if digits != "#,##0" else INTEGER
    suffix = f'"{style.suffix}"' if style.suffix else ""
    positive = f"{digits}{suffix}"
    negative = positive if style.magnitude else f'"△"{digits}{suffix}'  # the number stays negative
    if style.bracket:
        positive, negative = f'"("{positive}")"', f'"("{negative}")"'
    zero = positive if style.zero is None else f'"{style.zero}"' if style.zero else ""
    return f"{positive};{negative};{zero}"


class _Formats:
    """XlsxWriter formats, created once per distinct property set."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.cache: dict[tuple[tuple[str, object], ...], Format] = {}

    def get(self, **props: object) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.book.add_format(FONT | props)
        return self.cache[key]


def write_workbook(package: Package, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    # a text is written as text: never turned into a formula (a label "=HYPERLINK(…)") or a link
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    book.set_properties({"title": f"{package.entity} {package.title}", "author": package.entity,
                         "company": package.entity, "comments": "kessan publish"})
    fmt = _Formats(book)
    _contents_sheet(book, fmt, package)
    index: list[IndexRow] = []
    for part in package.parts:
        _PartSheet(book, fmt, package, part, index).write()
    _index_sheet(book, fmt, index)
    book.close()
    return path


def _contents_sheet(book: xlsxwriter.Workbook, fmt: _Formats, package: Package) -> None:
    ws = book.add_worksheet(package.labels["contents"])
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 60)
    if package.draft:
        ws.write_string(0, 0, package.labels["draft"], fmt.get(bold=True, font_color="#C00000"))
    ws.write(0, 1, package.entity, fmt.get(bold=True, font_size=12))
    ws.write(1, 1, package.title, fmt.get(bold=True, font_size=16))
    ws.write(2, 1, package.date, fmt.get())
    ws.write(4, 1, package.labels["contents"], fmt.get(bold=True, font_size=12))
    row = 5
    for section in package.sections:
        ws.write(row, 0, section.toc, fmt.get(bold=True))
        row += 1
        group = None
        for part in section.parts:
            if part.group and part.group != group:
                ws.write(row, 1, part.group, fmt.get(italic=True))
                row += 1
            group = part.group
            label = f"{part.form} {part.title}" if part.form else part.title
            ws.write_url(row, 1, f"internal:'{part.sheet}'!A1", fmt.get(font_color="blue", underline=1, indent=1),
                         string=label)
            row += 1
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _index_sheet(book: xlsxwriter.Workbook, fmt: _Formats, index: list[IndexRow]) -> None:
    ws = book.add_worksheet(INDEX_SHEET)
    ws.write_row(0, 0, ["table", "line", "column", "sheet", "cell"], fmt.get(bold=True))
    for i, entry in enumerate(index, 1):
        ws.write_row(i, 0, entry)
    ws.set_column(0, 2, 30)
    ws.hide()


class _PartSheet:
    """Lays out one part: title, then each table with caption, unit, header, body and notes."""

    def __init__(self, book: xlsxwriter.Workbook, fmt: _Formats, package: Package, part: Part,
                 index: list[IndexRow]):
        self.book, self.fmt, self.package, self.part, self.index = book, fmt, package, part, index
        self.ws = book.add_worksheet(part.sheet)
        self.width = 1 + max((len(t.columns) for t in part.tables), default=1)
        self.row = 0
        self.frozen: tuple[int, int] | None = None  # first and last header row of the first table
        self.heights: dict[int, float] = {}  # rows of other than the default height
        self.blocks: list[tuple[int, int]] = []  # each table's first (its title) and last row
        self.widths: list[float] = []  # column widths in character units

    def write(self) -> None:
        ws, part = self.ws, self.part
        if self.package.draft:  # the period is not CLOSED: a draft, said on the sheet and its printed pages
            ws.write_string(self.row, 0, self.package.labels["draft"], self.fmt.get(bold=True, font_color="#C00000"))
            self.row += 1
        for line in (part.form, part.above_title):
            if line:
                ws.write(self.row, 0, line, self.fmt.get())
                self.row += 1
        self._merged(part.title, self.fmt.get(bold=True, font_size=14, align="center"))
        self.row += 1
        for line in part.text:
            self._text_line(line)
        for table in part.tables:
            self._table(table)
        if self.blocks:  # the part's headings go with its first table
            self.blocks[0] = (0, self.blocks[0][1])
        if part.chart_files.get("png"):
            ws.insert_image(self.row, 0, str(part.chart_files["png"]), {"x_scale": 0.8, "y_scale": 0.8})
        self._columns()
        self._print_setup()

    def _merged(self, text: str, cell_format: Format, height: float | None = None, width: int | None = None) -> None:
        width = width or self.width
        if width > 1:
            self.ws.merge_range(self.row, 0, self.row, width - 1, text, cell_format)
        else:
            self.ws.write(self.row, 0, text, cell_format)
        if height:
            self._height(self.row, height)
        self.row += 1

    def _text_line(self, line: str) -> None:
        heading = not line.startswith("\u3000") and line.strip() != ""
        self.ws.write(self.row, 0, line, self.fmt.get(bold=heading, text_wrap=True, valign="top"))
        lines = max(1, math.ceil(display_width(line) / 110))
        self._height(self.row, LINE_HEIGHT * lines)
        self.row += 1

    def _height(self, row: int, height: float) -> None:
        self.heights[row] = height
        self.ws.set_row(row, height)

    def _table(self, table: Table) -> None:
        start = self.row
        if table.show_title and table.title != self.part.title:
            self.row += 1
            start = self.row
            self.ws.write(self.row, 0, table.title, self.fmt.get(bold=True, font_size=11))
            self.row += 1
        width = 1 + len(table.columns)
        for paragraph in table.before:
            self._wording(paragraph, width)
        if table.caption:
            self._merged(table.caption, self.fmt.get(align="center"), width=width)
        if table.unit:
            self._merged(table.unit, self.fmt.get(align="right"), width=width)
        first_header = self.row
        self._header(table)
        if self.frozen is None and self.part.shared_header:
            self.frozen = (first_header, self.row - 1)
        top = self.row
        for i in range(len(table.rows)):
            self._body_row(table, i, top)
        self.row = top + len(table.rows)
        for note in [*table.notes, *table.after]:
            self._wording(note, width)
        self.blocks.append((start, self.row - 1))

    def _wording(self, text: str, width: int) -> None:
        """A sentence of a note, or a note below a table: merged over the table, wrapped."""
        self._merged(text, self.fmt.get(text_wrap=True, valign="top"),
                     LINE_HEIGHT * max(1, math.ceil(display_width(text) / (14 * width + 20))), width)

    def _header(self, table: Table) -> None:
        head = self.fmt.get(bold=True, align="center", valign="vcenter", text_wrap=True, border=1, bg_color="#EDEDED")
        for cell in table.header():
            r, c = self.row + cell.row, cell.col
            if cell.rowspan > 1 or cell.colspan > 1:
                self.ws.merge_range(r, c, r + cell.rowspan - 1, c + cell.colspan - 1, cell.text, head)
            else:
                self.ws.write(r, c, cell.text, head)
        widths = [self._column_width(j) for j in range(1, 1 + len(table.columns))]
        lines = max([1, *(_text_lines(h.text, widths[h.col - 1] * h.colspan) for h in table.header()
                          if h.col and h.row == table.depth - 1)])
        for r in range(self.row, self.row + table.depth):
            self._height(r, LINE_HEIGHT * (lines + 0.4))
        self.row += table.depth

    def _body_row(self, table: Table, i: int, top: int) -> None:
        row, r = table.rows[i], top + i
        line: dict[str, object] = {"bold": row.bold, "border": 1, "border_color": "#BFBFBF"}
        self.ws.write(r, 0, row.printed_label, self.fmt.get(align="left", indent=row.indent, valign="top", **line))
        tallest = 1
        for j, (col, cell) in enumerate(zip(table.columns, row.cells, strict=True), 1):
            value = cell.value
            if not col.numeric:
                # text is always a string cell, never a formula, whatever it begins with
                self.ws.write_string(r, j, str(value or ""), self.fmt.get(text_wrap=True, valign="top", font_size=9, **line))
                tallest = max(tallest, _text_lines(str(value or ""), self._column_width(j) * 1.1))
                continue
            cell_format = self.fmt.get(num_format=number_format(value, cell.style), valign="top", **line)
            if value is None:
                self.ws.write_blank(r, j, None, cell_format)
                continue
            number = float(value) if isinstance(value, Decimal) else value
            formula = row.formulas.get(j - 1)
            if formula is not None:
                self.ws.write_formula(r, j, _a1(formula, top), cell_format, number)
            else:
                self.ws.write_number(r, j, number, cell_format)
            if cell.figure is not None:
                f = cell.figure
                self.index.append((f.table, f.line, f.column, self.part.sheet, xl_rowcol_to_cell(r, j)))
        if tallest > 1:
            self._height(r, LINE_HEIGHT * tallest * 0.85)

    def _columns(self) -> None:
        label = max([display_width(r.printed_label) + 2 * r.indent + 2 for t in self.part.tables for r in t.rows] or [40])
        self.widths = [min(max(label, 14), 56) if self.part.tables else 110]
        self.widths += [self._column_width(j) for j in range(1, self.width)]
        for j, width in enumerate(self.widths):
            self.ws.set_column(j, j, width)

    def _column_width(self, j: int) -> float:
        widest = 10
        for t in self.part.tables:
            if j - 1 >= len(t.columns):
                continue
            if not t.columns[j - 1].numeric:  # 備考, 左の主な理由: wrapped text
                texts = [line for r in t.rows for line in str(r.cells[j - 1].value or "").splitlines()]
                return min(48, max([10, *(display_width(x) + 2 for x in texts)]))
            for r in t.rows:
                v = r.cells[j - 1].value
                if isinstance(v, (int, Decimal)):
                    widest = max(widest, len(f"{abs(v):,}") + 3)
        return widest

    def _print_setup(self) -> None:
        ws = self.ws
        ws.set_paper(9)  # A4
        ws.set_landscape() if self.part.landscape else ws.set_portrait()
        # fit to the page width by a scale, not by "fit to pages": Excel ignores manual page
        # breaks under "fit to", and the breaks below keep each table on one printed page
        width, height = PRINTABLE[::-1] if self.part.landscape else PRINTABLE
        scale = min(100, math.floor(100 * width / sum(_points(w) for w in self.widths)))
        ws.set_print_scale(max(scale, 10))
        repeated = 0.0
        if self.frozen:
            repeated = sum(self.heights.get(r, DEFAULT_ROW) for r in range(self.frozen[0], self.frozen[1] + 1))
        ws.set_h_pagebreaks(page_breaks(self.blocks, self.heights, self.row, height * 100 / scale - repeated))
        ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
        ws.center_horizontally()
        draft = f"&R&8{_escape(self.package.labels['draft'])}" if self.package.draft else ""
        ws.set_header(f"&L&8{_escape(self.package.entity)} {_escape(self.package.title)}{draft}")
        ws.set_footer("&C&P / &N")
        if self.frozen:
            first, last = self.frozen
            ws.freeze_panes(last + 1, 1)
            ws.repeat_rows(first, last)


def _points(width: float) -> float:
    """A column width in character units as printed points (Excel: 7 pixels a character and 5 of
    padding, at 96 pixels an inch)."""
    return (width * 7 + 5) * 0.75


def page_breaks(blocks: list[tuple[int, int]], heights: dict[int, float], rows: int, page: float) -> list[int]:
    """The rows that start a printed page: a table (first row to last, its title and wording
    included) that does not fit the rest of the page but fits a page starts a fresh one; a
    taller table runs on where it stands (Excel breaks it where the page ends)."""
    starts = dict(blocks)
    breaks: list[int] = []
    used, r = 0.0, 0
    while r < rows:
        last = starts.get(r)
        if last is not None:
            block = sum(heights.get(i, DEFAULT_ROW) for i in range(r, last + 1))
            if used + block > page and block <= page and used > 0:
                breaks.append(r)
                used = 0.0
        height = heights.get(r, DEFAULT_ROW)
        if used + height > page and used > 0:
            used = 0.0  # Excel's own break
        used += height
        r += 1
    return breaks


def _a1(formula: Formula, top: int) -> str:
    parts: list[str] = []
    for t in formula.terms:
        ref = xl_rowcol_to_cell(top + t.row, t.col + 1)
        parts.append(("-" if t.sign < 0 else ("+" if parts else "")) + ref)
    if formula.constant:
        parts.append(f"{formula.constant:+d}")
    return "=" + "".join(parts)


def _text_lines(text: str, width: float) -> int:
    return sum(max(1, math.ceil(display_width(line) / width)) for line in text.splitlines()) if text else 1


def _escape(text: str) -> str:
    return text.replace("&", "&&")

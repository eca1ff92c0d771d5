"""The package as one PDF: Typst markup generated from the document model, compiled by the
Typst compiler of the pinned ``typst`` package (a Rust library: no system package needed).

The page setup and the helpers live in ``templates/package.typ``; this module writes the calls
of the body. Every text of the book (labels, titles, notes, reasons) enters the markup only as a
Typst string literal (``_str``), so it prints literally and is never read as markup or code. The
fonts are files of pinned PyPI packages (publish.fonts), embedded as subsets; system fonts are
ignored, so the PDF looks the same on every machine.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import typst

from ..render.format import printed
from .fonts import japanese_fonts
from .model import Cell, Column, Package, Part, Table
from .spec import PART_ID

IDEOGRAPHIC_SPACE = "\u3000"
PORTRAIT_TOP, LANDSCAPE_TOP = "18mm", "13mm"  # the top page margins of templates/package.typ part-page
TALL_ROW = 30  # lines: a row taller than this may break across pages; shorter rows never do


def write_pdf(package: Package, path: Path) -> Path:
    charts = [p.chart_files["svg"] for p in package.parts if "svg" in p.chart_files]
    # Typst reads files under root only
    root = Path(os.path.commonpath([str(f.parent) for f in charts])) if charts else path.parent
    source = typst_source(package, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        pdf, warnings = _compiler().compile_with_warnings(input=source.encode("utf-8"), format="pdf", root=str(root))
    except typst.TypstError as exc:  # a bug of this module, not of the book: say where
        raise RuntimeError(f"Typst could not lay out the PDF: {exc.message}\n{exc.diagnostic}") from exc
    if warnings:
        raise RuntimeError("Typst warned while laying out the PDF: " + "; ".join(w.message for w in warnings))
    if not isinstance(pdf, bytes):  # one document asked for, one PDF given
        raise RuntimeError("Typst returned no single PDF document")
    path.write_bytes(pdf)
    return path


def layout_markers(package: Package, root: Path, label: str) -> list[dict[str, object]]:
    """The values of the PDF's layout markers (templates/package.typ): ``kessan-table`` (how each
    table was laid out), ``kessan-table-top`` and ``kessan-table-end`` (the pages a table starts
    and ends on). Tests read them to prove that no table that fits a page is split."""
    source = typst_source(package, root)
    fonts = sorted({str(f.path.parent) for f in japanese_fonts().values()})
    found: str = typst.query(source.encode("utf-8"), f"<{label}>", field="value", root=str(root),  # type: ignore[misc]
                             font_paths=fonts, ignore_system_fonts=True)
    values: list[dict[str, object]] = json.loads(found)
    return values


@lru_cache(maxsize=1)
def _compiler() -> typst.Compiler:
    """One compiler per process: it knows the font files only (no system fonts, no Typst defaults)."""
    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                        font_paths=sorted({str(f.path.parent) for f in japanese_fonts().values()}))
    return typst.Compiler(font_paths=fonts, ignore_system_fonts=True)


def _str(text: str) -> str:
    """A Typst string literal holding text: data, never markup or code."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{escaped}"'


def _cell_text(column: Column, cell: Cell) -> str:
    """The printed text of a cell: the one place that reads a cell of the model."""
    return printed(cell)


def display_width(text: str) -> int:
    """Width in half-width characters: East Asian wide characters count two (as xlsx.display_width;
    not imported from there, so the PDF alone does not load XlsxWriter)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def _lines(text: str) -> int:
    """Lines a text cell takes at least (a line holds about 40 half-width characters)."""
    return sum(1 + display_width(line) // 40 for line in text.splitlines())


def _array(items: Iterable[str]) -> str:
    listed = list(items)
    return "(" + ", ".join(listed) + ("," if len(listed) == 1 else "") + ")"


def typst_source(package: Package, root: Path) -> str:
    """The whole document: font and header settings, the helpers, the cover, contents and parts."""
    fonts = japanese_fonts()
    # a package of a period that is not CLOSED says so on the cover and in every page header
    draft = f"{IDEOGRAPHIC_SPACE}【{package.labels['draft']}】" if package.draft else ""
    head = [
        f"#let body-font = {_str(fonts['body'].family)}",
        f"#let gothic-font = {_str(fonts['gothic'].family)}",
        f"#let bold-font = {_str(fonts['bold'].family)}",
        f"#let bold-weight = {_str(fonts['bold'].weight)}",
        f"#let package-title = {_str(f'{package.entity} {package.title}')}",
        f"#let package-author = {_str(package.entity)}",
        f"#let running-left = {_str(package.entity + IDEOGRAPHIC_SPACE + package.title + draft)}",
        resources.files("kessan.publish").joinpath("templates", "package.typ").read_text(encoding="utf-8"),
        f"#cover({_str(package.entity)}, {_str(package.title)}, {_str(package.date)}, draft: {_str(draft.strip())})",
    ]
    return "\n".join([*head, *_contents(package), *_parts(package, root)]) + "\n"


def _anchor(part: Part) -> str:
    """The PDF anchor (named destination) of a part, part-<id>: an id is a-z, 0-9, _ and - (publish.spec)."""
    if not PART_ID.match(part.id):
        raise ValueError(f"part id {part.id!r} is not a-z, 0-9, _ and -")
    return f"part-{part.id}"


def _contents(package: Package) -> list[str]:
    out = ["#part-page[", f"#toc-title({_str(package.labels['contents'])})"]
    for s, section in enumerate(package.sections, 1):
        out.append(f"#toc-line(<section-{s}>, {_str(section.toc)}, size: 11pt, strong: true, above: 1.1em)")
        group = None
        for part in section.parts:
            if part.group and part.group != group:
                out.append(f"#toc-group({_str(part.group)})")
            group = part.group
            title = f"{part.form} {part.title}" if part.form else part.title
            out.append(f"#toc-line(<{_anchor(part)}>, {_str(title)}, indent: {'3em' if part.group else '1.5em'})")
    out.append("]")
    return out


def _parts(package: Package, root: Path) -> list[str]:
    out = []
    for s, section in enumerate(package.sections, 1):
        for k, part in enumerate(section.parts):
            out.append(f"#part-page(landscape: {'true' if part.landscape else 'false'}, title: {_str(part.title)})[")
            if k == 0:
                out.append(f"#heading(level: 1, {_str(section.title)}) <section-{s}>")
            out += _part_body(part, root, package.labels)
            out.append("]")
    return out


def _part_body(part: Part, root: Path, labels: dict[str, str]) -> list[str]:
    out = []
    if part.form:
        out.append(f"#form-line({_str(part.form)})")
    if part.above_title:
        out.append(f"#form-line({_str(part.above_title)})")
    out.append(f"#heading(level: 2, {_str(part.title)}) <{_anchor(part)}>")
    for line in part.text:
        if not line.strip():
            continue
        if line.startswith(IDEOGRAPHIC_SPACE):
            out.append(f"#policy-body({_str(line.strip(IDEOGRAPHIC_SPACE))})")
        else:
            out.append(f"#policy-item({_str(line)})")
    for k, table in enumerate(part.tables):
        out.append(_table(table, part, first=k == 0 and not part.text, labels=labels))
    if (svg := part.chart_files.get("svg")) is not None:
        out.append(f"#chart({_str('/' + svg.relative_to(root).as_posix())})")
    return out


def _widths(table: Table, texts: list[list[str]]) -> tuple[str, str, str, str]:
    """(table width, column sizes, text size, header text size), as the print CSS had them:
    one amount → a narrow table; > 6 columns → fixed widths (label 20%, > 9 columns 15% and
    smaller text); otherwise each column shares the width in proportion to its widest text,
    as a browser's automatic table layout does. Text columns: 8%, sentences 32%."""
    n = len(table.columns)
    fixed = ["32%" if c.long else "8%" if not c.numeric else None for c in table.columns]
    if n > 6:
        share, size, head = ("15%", "6.6pt", "6.3pt") if n > 9 else ("20%", "7.5pt", "auto")
        return "100%", _array([share, *(f or "1fr" for f in fixed)]), size, head
    label = max([display_width(table.label_header), *(display_width(r.printed_label) + 2 * r.indent for r in table.rows)])
    widest = [max([*map(display_width, c.label.splitlines() or [""]), *(display_width(row[j]) for row in texts)])
              for j, c in enumerate(table.columns)]
    sizes = [f or f"{w + 2}fr" for f, w in zip(fixed, widest, strict=True)]
    return ("72%" if n == 1 else "100%"), _array([f"{label + 2}fr", *sizes]), "8.5pt", "auto"


def _cell(content: str, indent: int, breakable: bool) -> str:
    """A body cell: the content alone, indented (a label), or a table.cell that may break."""
    if indent:
        content = f"indent({indent}, {content})"
    return f"table.cell(breakable: true, {content})" if breakable else content


def _table(table: Table, part: Part, first: bool, labels: dict[str, str]) -> str:
    texts = [[_cell_text(c, v) for c, v in zip(table.columns, row.cells, strict=True)] for row in table.rows]
    width, columns, size, head_size = _widths(table, texts)
    # the part's heading names the table already; a note's wording above says what it is
    title = None if table.title == part.title or not table.show_title else table.title
    heads = table.header() if any(h.text for h in table.header() if h.col) else []  # no column headings: none printed
    header = _array(_array([str(h.col), str(h.row), str(h.rowspan), str(h.colspan), _str(h.text)]) for h in heads)
    text_cells = [j for j, c in enumerate(table.columns) if not c.numeric]
    cells = []
    tall_rows = False
    for row, shown in zip(table.rows, texts, strict=True):
        row_cells = [_str(row.printed_label), *map(_str, shown)]
        for j in text_cells:  # 備考, 左の主な理由: smaller type
            row_cells[j + 1] = f"text(size: 0.85em, {row_cells[j + 1]})"
        if row.bold:
            row_cells = [f"b({c})" for c in row_cells]
        tall = any(_lines(shown[j]) > TALL_ROW for j in text_cells)  # runs over pages rather than off one
        tall_rows = tall_rows or tall
        row_cells = [_cell(c, row.indent if k == 0 else 0, tall) for k, c in enumerate(row_cells)]
        if row.heading:  # 資産の部, 流動資産: a sub-header, never left alone at the foot of a page
            cells.append(f"table.header(level: {2 + row.indent}, repeat: false, {', '.join(row_cells)})")
        else:
            cells += row_cells
    continued = labels["continued"].format(title=table.title if title is not None else part.title)
    args = [
        f"id: {_str(table.id)}", f"first: {'true' if first else 'false'}",
        f"top-margin: {LANDSCAPE_TOP if part.landscape else PORTRAIT_TOP}", f"continued: {_str(continued)}",
        f"title: {_str(title) if title is not None else 'none'}",
        f"caption: {_str(table.caption) if table.caption else 'none'}",
        f"unit: {_str(table.unit) if table.unit else 'none'}",
        f"size: {size}", f"head-size: {head_size}", f"width: {width}", f"columns: {columns}",
        f"numeric: {_array('true' if c.numeric else 'false' for c in table.columns)}",
        f"header: {header}",
        f"notes: {_array(_str(n) for n in table.notes)}",
        f"before: {_array(_str(n) for n in table.before)}", f"after: {_array(_str(n) for n in table.after)}",
        f"keep: {'false' if tall_rows else 'true'}",
        f"cells: {_array(cells)}",
    ]
    return "#statement(" + ", ".join(args) + ")"

"""The document model of the published package: Package → Section → Part → Table.

Built once from a StatementSet and the publish.toml structure; the Excel, HTML and PDF
renderers only lay it out, so the three outputs show the same numbers. Cells hold numbers
(int yen, rounded int 百万円, Decimal 億円), text (備考, 左の主な理由) or None (blank). Each
numeric cell carries its key in the figures contract (table, line, column), and a subtotal
cell the formula that computes it from other cells of its table (when that formula gives
exactly the stored value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

Value = int | Decimal | str | None


@dataclass(frozen=True)
class Column:
    key: str  # column name in the figures contract (金額, 予算額, a segment name, …)
    label: str  # printed label of the lowest header row
    group: str | None = None  # upper header label spanning adjacent columns of the same group
    numeric: bool = True
    long: bool = False  # a text column of sentences (左の主な理由), laid out wide


@dataclass(frozen=True)
class Term:
    sign: int
    row: int
    col: int


@dataclass(frozen=True)
class Formula:
    """sign·cell + … + constant, cells of the same table."""

    terms: tuple[Term, ...]
    constant: int = 0


@dataclass
class Row:
    label: str
    key: str | None = None  # line label in the figures contract; None for a heading
    indent: int = 0
    bold: bool = False
    cells: list[Value] = field(default_factory=list)
    formulas: dict[int, Formula] = field(default_factory=dict)  # column index → formula

    @property
    def heading(self) -> bool:
        return self.key is None


@dataclass(frozen=True)
class HeaderCell:
    text: str
    row: int
    col: int  # 0 is the label column
    rowspan: int = 1
    colspan: int = 1
    scope: str = "col"  # col, or colgroup for an upper label


@dataclass
class Table:
    id: str
    title: str
    figure_table: str | None  # table name in the figures contract
    caption: str | None  # (令和3年3月31日現在)
    unit: str | None  # (単位：円)
    label_header: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed below the table

    @property
    def depth(self) -> int:
        return 2 if any(c.group for c in self.columns) else 1

    @property
    def css_class(self) -> str:
        """statement, plus wide (> 6 columns) or wider (> 9), and compact (kept on one page)."""
        n = len(self.columns)
        classes = ["statement", "wider" if n > 9 else "wide" if n > 6 else "narrow" if n == 1 else ""]
        return " ".join(c for c in classes if c)

    @property
    def compact(self) -> bool:
        return len(self.rows) <= 30

    def header(self) -> list[HeaderCell]:
        """Header cells with spans: the label column spans every header row; a column group
        spans its columns in the upper row; an ungrouped column spans both rows."""
        depth = self.depth
        cells = [HeaderCell(self.label_header, 0, 0, rowspan=depth)]
        j = 0
        while j < len(self.columns):
            col = self.columns[j]
            if depth == 1 or not col.group:
                cells.append(HeaderCell(col.label, 0, j + 1, rowspan=depth))
                j += 1
                continue
            k = j
            while k < len(self.columns) and self.columns[k].group == col.group:
                k += 1
            cells.append(HeaderCell(col.group, 0, j + 1, colspan=k - j, scope="colgroup"))
            cells += [HeaderCell(self.columns[i].label, 1, i + 1) for i in range(j, k)]
            j = k
        return cells

    def figures(self):
        """(table, line, column, value, row index, column index) of every numeric cell."""
        for i, row in enumerate(self.rows):
            for j, (col, value) in enumerate(zip(self.columns, row.cells)):
                if col.numeric and row.key is not None and value is not None:
                    yield self.figure_table, row.key, col.key, value, i, j


@dataclass
class Part:
    """One sheet of the workbook, one page of the site, one chapter of the PDF."""

    id: str
    sheet: str
    title: str
    tables: list[Table] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # a text statement (重要な会計方針), line by line
    form: str | None = None  # 様式第13号
    group: str | None = None  # 附属明細書, …
    landscape: bool = False
    chart: object | None = None  # a TrendTable to draw
    chart_files: dict[str, Path] = field(default_factory=dict)  # png, svg once drawn

    @property
    def shared_header(self) -> bool:
        """Whether every table has the same header, so one frozen header serves the sheet."""
        heads = [[(c.text, c.row, c.col, c.rowspan, c.colspan) for c in t.header()] for t in self.tables]
        return bool(heads) and all(h == heads[0] for h in heads)


@dataclass
class Section:
    title: str
    toc: str
    parts: list[Part] = field(default_factory=list)


@dataclass
class Package:
    entity: str
    title: str  # 令和2年度決算
    date: str  # 令和3年6月23日
    file: str  # base name of the .xlsx and .pdf
    sections: list[Section]
    labels: dict

    @property
    def parts(self) -> list[Part]:
        return [p for s in self.sections for p in s.parts]

    @property
    def tables(self) -> list[Table]:
        return [t for p in self.parts for t in p.tables]

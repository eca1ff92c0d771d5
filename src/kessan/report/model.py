"""The report model: every table a book produces, as tables → rows → cells.

Built once per command from a StatementSet (report/build.py). Every output — the figures
CSV, the terminal text, JSON, the workbook, the PDF and the HTML site — renders this model
and computes no figure of its own. A cell carries

* ``value``: what is printed — an int (yen, or rounded 百万円), a Decimal (億円, a rate in %),
  a text (備考, 左の主な理由) or None (blank);
* ``yen``: the exact integer amount behind a computed figure (before presentation rounding);
* ``figure``: its identity in the figures contract (table, line, column);
* ``source``: its provenance — the postings (accounts, flows, segment, partner filter) or the
  other figures it is made of, for drill-down.

Presentation (unit, rounding policy, the △ sign convention) belongs to the table and is
shared by its cells; bold and indent belong to the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from ..statements.engine import Source

Value = int | Decimal | str | None


@dataclass(frozen=True, slots=True)
class FigureId:
    """A figure's key in the figures contract (the published-figure CSVs)."""

    table: str
    line: str
    column: str


@dataclass(frozen=True, slots=True)
class Derived:
    """Provenance of a figure that is not a sum of postings: a budget amount, a difference,
    a published figure of an earlier year, a sum of rounded figures, a rate."""

    kind: str  # budget | difference | history | sum_of_rounded | cited
    detail: str = ""  # revision code, history series, …
    terms: tuple[tuple[int, FigureId], ...] = ()  # the figures it combines, with their signs


Provenance = Source | Derived


@dataclass(frozen=True, slots=True)
class Presentation:
    """How a table's amounts are printed. Rounding happens here and nowhere earlier."""

    unit: str  # 円, 百万円, 億円
    rounding: str | None = None  # half_up (四捨五入) or truncate (切捨て); None: exact yen
    negative: str = "△"  # sign convention of negative amounts (presentation only)


@dataclass(frozen=True, slots=True)
class Style:
    """How an amount cell prints, as the published document does (layout data): a zero as "-"
    or blank, the amount in brackets (a memo total), the unit after it (the first amount of a
    note), the amount without its sign (a 減少額 whose label says the direction). The value
    stays the signed number (the figures contract is unchanged); every renderer prints it through render.format.printed."""

    zero: str | None = None  # "-" or "" for a zero amount; None prints 0
    bracket: bool = False
    suffix: str = ""  # " 円"
    magnitude: bool = False  # print the amount without its sign: the label says the direction (減少額)


@dataclass(frozen=True, slots=True)
class Cell:
    value: Value = None
    yen: int | None = None
    figure: FigureId | None = None
    source: Provenance | None = None
    style: Style | None = None


BLANK = Cell()


@dataclass(frozen=True)
class Column:
    key: str  # column name in the figures contract (金額, 予算額, a segment name, …)
    label: str  # printed label of the lowest header row
    group: str | None = None  # upper header label spanning adjacent columns of the same group
    numeric: bool = True
    long: bool = False  # a text column of sentences (左の主な理由), laid out wide
    view: str | None = None  # the engine view (segment code, 相殺等, 合計) of a segment-table column


@dataclass(frozen=True)
class Term:
    sign: int
    row: int
    col: int


@dataclass(frozen=True)
class Formula:
    """sign·cell + … + constant, cells of the same table (a subtotal in the workbook)."""

    terms: tuple[Term, ...]
    constant: int = 0


@dataclass
class Row:
    label: str
    key: str | None = None  # line label in the figures contract; None for a heading
    indent: int = 0
    bold: bool = False
    cells: list[Cell] = field(default_factory=list)
    formulas: dict[int, Formula] = field(default_factory=dict)  # column index → formula
    line_id: str | None = None  # the layout line id, when it has one
    mark: str | None = None  # note mark printed after the label (※1)

    @property
    def printed_label(self) -> str:
        return f"{self.label} {self.mark}" if self.mark else self.label

    @property
    def heading(self) -> bool:
        return self.key is None

    @property
    def values(self) -> list[Value]:
        return [c.value for c in self.cells]


@dataclass(frozen=True)
class HeaderCell:
    text: str
    row: int
    col: int  # 0 is the label column
    rowspan: int = 1
    colspan: int = 1
    scope: str = "col"  # col, or colgroup for an upper label


@dataclass(frozen=True)
class Axes:
    """How a chart of a table labels its axes: one tick label per column, the x and y labels."""

    ticks: tuple[str, ...]
    x: str
    y: str


@dataclass
class Table:
    id: str  # unique in the report: bs, bs-segments, budget_bs-<segment>, …
    statement: str  # the layout id it comes from
    kind: str  # statement | segments | budget | trend | text
    title: str
    figure_table: str | None  # table name in the figures contract
    caption: str | None  # (令和3年3月31日現在)
    unit: str | None  # (単位：円)
    label_header: str
    columns: list[Column]
    presentation: Presentation
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed below the table
    text: list[str] = field(default_factory=list)  # a text statement (重要な会計方針), line by line
    before: list[str] = field(default_factory=list)  # paragraphs printed above the table (a note's wording)
    after: list[str] = field(default_factory=list)  # paragraphs printed below the table
    show_title: bool = True  # false: the wording above says what the table is (a note)
    segment: str | None = None  # per-segment tables: the segment code
    order: int = 100
    axes: Axes | None = None  # a 推移 table's chart: tick labels and axis labels (layout options)

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

    def figures(self) -> Iterator[tuple[int, int, Cell]]:
        """(row index, column index, cell) of every cell that is a figure of the contract."""
        for i, row in enumerate(self.rows):
            for j, cell in enumerate(row.cells):
                if cell.figure is not None:
                    yield i, j, cell


@dataclass
class Report:
    """Every table of one book for one fiscal year, in the published order."""

    book: str  # book code
    entity: str  # the organisation's name
    year: int
    fiscal_year: str  # 令和2年度
    closing_state: str  # the fiscal year's period state: OPEN, ADJUSTING, CLOSED
    revision: str | None  # the budget revision reported, if any
    tables: list[Table]
    labels: dict[str, str]
    budget_label: str | None = None  # 予算: its name, approval date and body

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)

    def of_statement(self, statement: str) -> list[Table]:
        return [t for t in self.tables if t.statement == statement]

    def cells(self) -> Iterator[tuple[Table, Row, Cell]]:
        """(table, row, cell) of every figure, in report order."""
        for t in self.tables:
            for i, _, cell in t.figures():
                yield t, t.rows[i], cell

"""Build the document model (publish.model) from a StatementSet and publish.toml."""

from __future__ import annotations

from decimal import Decimal

from ..figures import UNITS, budget_rows, percent, presenter, trend_tables
from ..ledger.errors import BookError, InputError
from ..render.format import Unit
from ..render.text import cite, reason_bullets
from ..render.wareki import wareki
from ..statements.engine import ELIM, TOTAL, StatementSet
from ..statements.layout import Layout, Line
from ..statements.text import render as render_policy_text
from ..statements.text import TextLayout, text_layouts
from ..statements.trend import TrendTable
from .model import Column, Formula, Package, Part, Row, Section, Table, Term
from .spec import FILE, PartSpec, PublishSpec, TableRef


def build_package(ss: StatementSet, spec: PublishSpec) -> Package:
    """The whole package in the order of publish.toml; every layout of the book must be listed."""
    parsed = _parsed(ss)
    if problems := spec_problems(ss, spec, parsed):
        raise BookError(problems)
    ctx = _Context(ss, spec, parsed)
    sections = [Section(s.title, s.toc, [ctx.part(p) for p in s.parts]) for s in spec.sections]
    fy = ss.book.fiscal_year(ss.year)
    labels = spec.labels
    title = spec.title or labels["title"].format(fiscal_year=fy.label)
    date = wareki(spec.date or fy.end)
    return Package(ss.book.name, title, date, spec.file or f"{ss.book.code}-{ss.year}", sections, labels)


def _parsed(ss: StatementSet) -> tuple[list[TrendTable], list[TextLayout]]:
    """The trend tables and the text layouts of the book; each reads every layout's TOML, so once."""
    return trend_tables(ss), text_layouts(ss.book.layouts)


def spec_problems(ss: StatementSet, spec: PublishSpec,
                  parsed: tuple[list[TrendTable], list[TextLayout]] | None = None) -> list[InputError]:
    """Unknown statement ids, misplaced ':segments', and layouts the package leaves out."""
    trends, texts = parsed or _parsed(ss)
    known = _statement_kinds(ss, trends, texts)
    errors: list[InputError] = []
    listed: set[TableRef] = set()
    for part in spec.parts:
        for ref in part.tables:
            listed.add(ref)
            kind = known.get(ref.statement)
            if kind is None:
                errors.append(InputError(FILE, None, f"part {part.id}", f"no statement {ref.statement!r} in layouts/"))
            elif ref.segments and kind != "segments":
                errors.append(InputError(FILE, None, f"part {part.id}", f"{ref.statement!r} has no segment table"))
            elif part.by_segment and not (ref.segments and ss.layouts[ref.statement].per_segment_tables):
                errors.append(InputError(FILE, None, f"part {part.id}",
                                         f"by_segment lists only per-segment tables; {ref.statement!r} is not one"))
    for ref in _every_table(ss, trends, texts):
        if ref not in listed:
            which = f"{ref.statement}:segments" if ref.segments else ref.statement
            errors.append(InputError(FILE, None, "tables", f"{which!r} is not in the package; list it in a part"))
    return errors


def _statement_kinds(ss: StatementSet, trends: list[TrendTable], texts: list[TextLayout]) -> dict[str, str]:
    kinds = {lay.id: ("segments" if lay.segment_table else "entity") for lay in ss.ordered()}
    kinds |= {t.layout.id: "trend" for t in trends}
    kinds |= {t.id: "text" for t in texts}
    return kinds


def _every_table(ss: StatementSet, trends: list[TrendTable], texts: list[TextLayout]) -> list[TableRef]:
    refs = []
    for lay in ss.ordered():
        if lay.entity and lay.table:
            refs.append(TableRef(lay.id))
        if lay.segment_table:
            refs.append(TableRef(lay.id, True))
    refs += [TableRef(t.layout.id) for t in trends]
    refs += [TableRef(t.id) for t in texts]
    return refs


class _Context:
    """What building a part needs: the statements, the labels, the captions."""

    def __init__(self, ss: StatementSet, spec: PublishSpec, parsed: tuple[list[TrendTable], list[TextLayout]]):
        self.ss, self.spec, self.labels = ss, spec, spec.labels
        trends, texts = parsed
        self.trends = {t.layout.id: t for t in trends}
        self.texts = {t.id: t for t in texts}
        fy = ss.book.fiscal_year(ss.year)
        self.captions = {"as_of": self.labels["as_of"].format(date=wareki(fy.end)),
                         "period": self.labels["period"].format(start=wareki(fy.start), end=wareki(fy.end))}

    def part(self, spec: PartSpec) -> Part:
        tables: list[Table] = []
        text: list[str] = []
        chart = None
        for seg, ref in self._ordered(spec):
            if ref.statement in self.texts:
                text += render_policy_text(self.texts[ref.statement], self.ss.book.settings.get("policies", {})).strip("\n").splitlines()
            elif ref.statement in self.trends:
                chart = self.trends[ref.statement] if spec.chart else None
                tables.append(self.trend(self.trends[ref.statement], spec))
            else:
                tables += self.layout_tables(self.ss.layouts[ref.statement], ref, spec, seg)
        first = tables[0].title if tables else self.texts[spec.tables[0].statement].title
        part = Part(spec.id, spec.sheet, spec.title or _strip_form(first, spec.form), tables, text, spec.form,
                    spec.group, spec.landscape, chart)
        if len(tables) == 1 and spec.title:
            tables[0].title = spec.title
        return part

    def _ordered(self, spec: PartSpec) -> list[tuple[str | None, TableRef]]:
        """(segment, table) in print order: as listed, or segment by segment (by_segment)."""
        if spec.by_segment:
            return [(seg, ref) for seg in self.ss.segment_codes for ref in spec.tables]
        return [(None, ref) for ref in spec.tables]

    # -- tables of one layout

    def layout_tables(self, lay: Layout, ref: TableRef, spec: PartSpec, only: str | None) -> list[Table]:
        if lay.budget:
            views = [TOTAL] if not ref.segments else (self.ss.segment_codes if only is None else [only])
            return [self.budget(lay, view, spec) for view in views]
        if ref.segments:
            return [self.segment_table(lay, spec)]
        return [self.entity_table(lay, spec)]

    def _table(self, lay: Layout, spec: PartSpec, table_id: str, title: str, figure_table: str,
               columns: list[Column]) -> Table:
        return Table(table_id, _strip_form(title, spec.form), figure_table, self.captions.get(lay.caption),
                     self.labels["unit"].format(unit=lay.unit), self._label_header(spec), columns)

    def _label_header(self, spec: PartSpec) -> str:
        return self.labels["label_header"] if spec.label_header is None else spec.label_header

    def entity_table(self, lay: Layout, spec: PartSpec) -> Table:
        if lay.measures:
            columns = self._measure_columns(lay)
            shows = [_percent if c.unit == "%" else presenter(lay) for c in lay.measures]
            col_ids = [c.id for c in lay.measures]
        else:
            columns, shows, col_ids = [Column(self.labels["amount"], self.labels["amount"])], [presenter(lay)], [None]
        table = self._table(lay, spec, lay.id, lay.title, lay.table, columns)
        for ln in self.ss.lines_for(lay, segment_table=False):
            cells = [show(self.ss.value(lay.id, ln, TOTAL, c)) if ln.has_amount else None for c, show in zip(col_ids, shows)]
            table.rows.append(_row(ln, ln.figure_label, cells))
        _add_formulas(table, lay, self.ss.lines_for(lay, segment_table=False))
        return table

    def _measure_columns(self, lay: Layout) -> list[Column]:
        """Columns of a schedule; a rate column's label names its unit, e.g. 平均利率(%)."""
        groups = {name: (g.label, label) for g in self.spec.column_groups if g.statement == lay.id
                  for name, label in zip(g.columns, g.labels)}
        out = []
        for c in lay.measures:
            group, label = groups.get(c.name, (None, c.name))
            if c.unit:
                label = self.labels["column_unit"].format(name=label, unit=c.unit)
            out.append(Column(c.name, label, group))
        return out

    def segment_table(self, lay: Layout, spec: PartSpec) -> Table:
        views = self.ss.columns(lay)
        names = [self.ss.column_label(v) if v not in (ELIM, TOTAL) else v for v in views]
        title = spec.title if spec.title else lay.title
        table = self._table(lay, spec, f"{lay.id}-segments", title, lay.segment_table,
                            [Column(n, n) for n in names])
        show = presenter(lay)
        lines = self.ss.lines_for(lay, segment_table=True)
        for ln in lines:
            cells = [show(self.ss.value(lay.id, ln, v)) if ln.has_amount else None for v in views]
            table.rows.append(_row(ln, ln.segment_ref or ln.figure_label, cells))
        _add_formulas(table, lay, lines)
        return table

    # -- budget-vs-actual (決算報告書, 決算の概要)

    def budget(self, lay: Layout, view: str, spec: PartSpec) -> Table:
        ss, show = self.ss, presenter(lay)
        segment = None if view == TOTAL else view
        notes = [n for n in (ss.budget.notes if ss.budget else ()) if n.statement == lay.id] if view == TOTAL else []
        all_reasons = [r for r in (ss.budget.reasons if ss.budget else ()) if r.statement == lay.id]
        reasons = [r for r in all_reasons if r.segment == segment]
        columns = [Column(name, name) for name in lay.columns]
        if notes:
            columns.append(Column(self.labels["remarks"], self.labels["remarks"], numeric=False))
        if all_reasons:
            columns.append(Column(self.labels["reasons"], self.labels["reasons"], numeric=False, long=True))
        if view == TOTAL:
            table = self._table(lay, spec, lay.id, lay.title, lay.table, columns)
        else:
            name = ss.column_label(view)
            title = self.labels["segment_table"].format(segment=name, title=lay.title)
            table = self._table(lay, spec, f"{lay.id}-{view}", title, lay.segment_table.format(segment=name), columns)
        amounts = {id(ln): (b, a, d) for ln, b, a, d in budget_rows(ss, lay, view)}
        bullets = {}
        for line_id, text, cited in reason_bullets(ss, reasons):
            bullets.setdefault(line_id, []).append("・" + cite(text, cited))
        lines = ss.lines_for(lay, segment_table=view != TOTAL)
        for ln in lines:
            b, a, d = amounts.get(id(ln), (None, None, None))
            cells: list = [None if v is None else show(v) for v in (b, a, d)]
            if notes:
                marks = "、".join(n.mark.removeprefix("注") for n in notes if ln.id in n.lines)
                cells.append(f"(注{marks})" if marks else None)
            if all_reasons:
                cells.append("\n".join(bullets.get(ln.id, [])) or None)
            table.rows.append(_row(ln, ln.figure_label if id(ln) in amounts else None, cells))
        table.notes = [self.labels["note"].format(mark=n.mark, text=n.text) for n in notes]
        _add_formulas(table, lay, lines, difference=True)
        return table

    # -- 推移 (億円, decimals)

    def trend(self, trend: TrendTable, spec: PartSpec) -> Table:
        lay = trend.layout
        columns = [Column(c, c) for c in trend.columns()]
        table = Table(lay.id, lay.title, lay.table, None, self.labels["unit"].format(unit=lay.unit),
                      self._label_header(spec), columns)
        for seg, label in [*lay.rows, ("", lay.total_label)]:
            cells = [trend.cells.get((seg, y)) for y in trend.years]
            table.rows.append(Row(label, label, 0, not seg, [Decimal(c) if c is not None else None for c in cells]))
        return table


def _percent(hundredths: int | None) -> Decimal | None:
    """A rate held in hundredths of a percent, as a number with its two decimals: 123 → 1.23."""
    return None if hundredths is None else Decimal(percent(hundredths))


def _strip_form(title: str, form: str | None) -> str:
    return title.removeprefix(form).strip() if form else title


def _row(ln: Line, key: str, cells: list) -> Row:
    return Row(ln.label, key if ln.has_amount else None, ln.indent, ln.bold or not ln.has_amount, cells)


# -- formulas: subtotals computed in the workbook, kept only where they give the stored value

def _add_formulas(table: Table, lay: Layout, lines: list[Line], difference: bool = False) -> None:
    if UNITS.get(lay.unit, Unit.YEN) is not Unit.YEN:
        return  # rounded figures: a total is rounded on its own, not the sum of rounded parts
    rows_by_id = {ln.id: i for i, ln in enumerate(lines) if ln.id}
    col_index = {c.id: j for j, c in enumerate(lay.measures)}
    for i, ln in enumerate(lines):
        row = table.rows[i]
        if row.heading:
            continue
        for j, col in enumerate(table.columns):
            if not col.numeric or row.cells[j] is None:
                continue
            formula = _cell_formula(lay, ln, i, j, rows_by_id, col_index, difference)
            if formula is not None and _evaluates(table, formula) == row.cells[j]:
                row.formulas[j] = formula


def _cell_formula(lay: Layout, ln: Line, i: int, j: int, rows_by_id: dict, col_index: dict,
                  difference: bool) -> Formula | None:
    if difference and j == 2:  # 差額 = 決算 − 予算
        return Formula((Term(1, i, 1), Term(-1, i, 0)))
    measure = lay.measures[j] if lay.measures and j < len(lay.measures) else None
    if measure is not None and measure.formula is not None:
        return _formula(measure.formula, lambda t: (i, col_index[t]) if t in col_index else None)
    if ln.formula is not None:
        return _formula(ln.formula, lambda t: (rows_by_id[t], j) if t in rows_by_id else None)
    return None


def _formula(terms, locate) -> Formula | None:
    out, constant = [], 0
    for sign, term in terms:
        if term.isdigit():
            constant += sign * int(term)
            continue
        where = locate(term)
        if where is None:
            return None  # a term outside this table (another statement, a segment-only line)
        out.append(Term(sign, *where))
    return Formula(tuple(out), constant) if out else None


def _evaluates(table: Table, formula: Formula) -> int | None:
    total = formula.constant
    for t in formula.terms:
        value = table.rows[t.row].cells[t.col]
        if not isinstance(value, int) or table.rows[t.row].heading:
            return None
        total += t.sign * value
    return total

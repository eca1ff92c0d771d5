"""Build the report model (report/model.py) from a StatementSet: every table of the book,
once, with presentation applied (rounding under the table's named policy), each figure
keyed in the figures contract and carrying its provenance.

The whole-organisation statement, the 事業別 table, the budget-vs-actual tables (決算報告書
and 決算の概要, whole organisation and per segment, with 備考 and 左の主な理由), the 推移 in
億円 and the text statements (重要な会計方針) are all built here; renderers only lay them out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from re import Match

from ..io.reader import SEGMENT_HEADERS  # book settings: segment code → its column header with line breaks
from ..ledger.budget import Reason
from ..ledger.rounding import UNITS, Rounding, Unit, round_yen
from ..statements.budget_report import AMOUNT_IN_TEXT, cited_amount
from ..statements.engine import ELIM, TOTAL, Source, StatementSet
from ..statements.layout import Column as LayoutColumn
from ..statements.layout import Layout, Line
from ..statements.text import ROUNDING_WORDS, TextLayout, fill
from ..statements.text import render as render_text_statement
from ..statements.trend import TrendLayout, round_oku
from .model import BLANK, Axes, Cell, Column, Derived, FigureId, Formula, Presentation, Report, Row, Style, Table, Term
from .wareki import era_year, wareki, year_text

ENTITY_COLUMN = "金額"  # the one amount column of a whole-organisation statement, in the contract

# 予算額 and 差額 of a line the budget says nothing about: blank, never 0 (docs/budget-format.md)
NO_BUDGET = Cell(None, None, None, Derived("no_budget", "the budget gives no amount for this line, "
                                                        "nor for every line of its formula"))

# Printed words, overridable in publish.toml [labels] (docs/publish.md lists them).
DEFAULT_LABELS: dict[str, str] = {
    "label_header": "科目",
    "amount": "金額",
    "column_unit": "{name}({unit})",
    "remarks": "備考",
    "reasons": "左の主な理由",
    "unit": "(単位：{unit})",
    "as_of": "({date}現在)",
    "period": "({start}から{end}まで)",
    "title": "{fiscal_year}決算",
    "contents": "目次",
    "note": "({mark}) {text}",
    "segment_table": "{segment} {title}",  # also {number}: the segment's position (1 一般事業)
    "index": "目次へ",
    "previous": "前へ",
    "next": "次へ",
    "draft": "未確定",
    "continued": "{title} (続き)",
    "half_up": "四捨五入",  # ${rounding_rule} of a statement rounded under ledger/rounding.py's rule
    "truncate": "切り捨て",
}


@dataclass(frozen=True)
class ColumnGroup:
    """An upper header label over adjacent measure columns of a schedule (publish.toml)."""

    statement: str
    label: str
    columns: tuple[str, ...]
    labels: tuple[str, ...]


def build_report(ss: StatementSet, labels: dict[str, str] | None = None,
                 column_groups: tuple[ColumnGroup, ...] = ()) -> Report:
    """Every table of the book for the StatementSet's year, in layout order."""
    b = _Builder(ss, dict(DEFAULT_LABELS) | (labels or {}), column_groups)
    parsed = ss.parsed
    items: list[tuple[int, str, Layout | TrendLayout | TextLayout]] = [(lay.order, lay.id, lay) for lay in ss.ordered()]
    if parsed is not None:
        items += [(t.order, t.id, t) for t in parsed.trends] + [(t.order, t.id, t) for t in parsed.texts]
    tables: list[Table] = []
    for _, _, item in sorted(items, key=lambda x: (x[0], x[1])):
        if isinstance(item, TrendLayout):
            tables.append(b.trend(item))
        elif isinstance(item, TextLayout):
            tables.append(b.text(item))
        else:
            tables += b.statement_tables(item)
    fy = ss.book.fiscal_year(ss.year)
    rev = ss.revision
    budget_label = f"{rev.name} ({rev.approved:%Y-%m-%d} {rev.body})" if rev else None
    return Report(ss.book.code, ss.book.name, ss.year, fy.label, fy.state, rev.code if rev else None, tables,
                  b.labels, budget_label)


def presentation(unit: str, rounding: str | None) -> Presentation:
    """A table's presentation: exact yen for 円, else the named policy (四捨五入 by default)."""
    if UNITS.get(unit, Unit.YEN) is Unit.YEN:
        return Presentation(unit)
    return Presentation(unit, Rounding(rounding or "half_up").value)


def shown(p: Presentation, amount: int) -> int:
    """An amount in yen as the table prints it (rounded to its unit under its policy)."""
    if p.rounding is None:
        return amount
    return round_yen(amount, UNITS[p.unit], Rounding(p.rounding))


def step_text(yen: int) -> str:
    """A rounding step in yen as a note names it: 100000 → 10万円, 100 → 100円."""
    return f"{yen // 10_000:,}万円" if yen >= 10_000 and yen % 10_000 == 0 else f"{yen:,}円"


def percent(hundredths: int) -> Decimal:
    """A rate held in hundredths of a percent, as the printed number: 123 → 1.23."""
    return Decimal(hundredths).scaleb(-2)


class _Builder:
    def __init__(self, ss: StatementSet, labels: dict[str, str], column_groups: tuple[ColumnGroup, ...]):
        self.ss, self.labels, self.column_groups = ss, labels, column_groups
        fy = ss.book.fiscal_year(ss.year)
        self.captions = {"as_of": labels["as_of"].format(date=wareki(fy.end)),
                         "period": labels["period"].format(start=wareki(fy.start), end=wareki(fy.end))}
        self.dates = {"period_start": wareki(fy.start), "period_end": wareki(fy.end)}

    # -- wording: templates with policies, dates, figures and register years (statements/text.py)

    def resolve(self, name: str, lay: Layout | None = None) -> str:
        """The text of one placeholder of a template (of the statement ``lay``)."""
        if name in ROUNDING_WORDS and lay is not None and lay.rounding is not None:
            step = UNITS[lay.unit].value // 10  # rounded at the digit below the unit: 百万円 → 10万円
            return step_text(step) if name == "rounding_step" else self.labels[lay.rounding]
        if name.startswith("percent:"):
            rate = self.ss.inputs.get(name.removeprefix("percent:"))
            return "-" if rate is None else f"{percent(rate.amount).normalize():f}"
        if name.startswith("year:"):
            key = name.removeprefix("year:")
            given = self.ss.inputs.get(key)
            if given is None:
                return "-"  # nothing to date: no such repayment this year
            era, year = era_year(dt.date(given.amount, 12, 31))
            return year_text(era, year)
        if "." in name:
            stmt, _, line = name.partition(".")
            value = self.ss.value(stmt, line)
            return _printed_yen(value or 0)
        if name in self.dates:
            return self.dates[name]
        return str(self.ss.book.settings.get("policies", {})[name])

    def paragraphs(self, template: str, lay: Layout | None = None) -> list[str]:
        return fill(template, lambda name: self.resolve(name, lay)).strip("\n").splitlines() if template else []

    def _style(self, lay: Layout, ln: Line, measure: LayoutColumn | None, first: bool) -> Style | None:
        zeros = (ln.zero, measure.zero if measure is not None else None, lay.zero)
        zero = next((z for z in zeros if z is not None), None)
        suffix = f" {lay.unit}" if lay.unit_after == "all" or (lay.unit_after == "first" and first) else ""
        magnitude = ln.magnitude or (measure is not None and measure.magnitude)
        if zero is None and not ln.bracket and not suffix and not magnitude:
            return None
        return Style(zero, ln.bracket, suffix, magnitude)

    def _table(self, lay: Layout, table_id: str, kind: str, *, title: str, figure_table: str | None,
               columns: list[Column], segment: str | None = None) -> Table:
        wording = segment is None  # a note's wording belongs to the whole-organisation table
        unit = None if lay.unit_after else self.labels["unit"].format(unit=lay.unit)  # the amounts say it
        return Table(table_id, lay.id, kind, title, figure_table, self.captions.get(lay.caption), unit,
                     self.labels["label_header"], columns, presentation(lay.unit, lay.rounding), segment=segment,
                     order=lay.order, show_title=lay.show_title,
                     before=self.paragraphs(lay.before, lay) if wording else [],
                     after=self.paragraphs(lay.after, lay) if wording else [])

    def statement_tables(self, lay: Layout) -> list[Table]:
        if lay.budget:
            views = [TOTAL] if lay.entity and lay.table else []
            if lay.per_segment_tables:
                views += self.ss.segment_codes
            return [self.budget(lay, view) for view in views]
        out = []
        if lay.entity and lay.table:
            out.append(self.entity(lay))
        if lay.segment_table:
            out.append(self.segments(lay))
        return out

    # -- one amount column (two for an inner column), or the measure columns of a schedule

    def entity(self, lay: Layout) -> Table:
        ss = self.ss
        measures: list[LayoutColumn | None]
        if lay.measures:
            columns = self._measure_columns(lay)
            measures = list(lay.measures)
        else:
            label = fill(lay.amount_label, self.resolve) if lay.amount_label is not None else self.labels["amount"]
            columns = [Column(ENTITY_COLUMN, label)]
            measures = [None]
            if lay.inner_column is not None:  # 利益の処分: an inner column of parts beside the amounts
                columns.insert(0, Column(ENTITY_COLUMN, lay.inner_column))
                measures.insert(0, None)
        table = self._table(lay, lay.id, "statement", title=lay.title, figure_table=lay.table, columns=columns)
        lines = ss.lines_for(lay, segment_table=False)
        first = True
        for ln in lines:
            cells = []
            for j, (col, m) in enumerate(zip(columns, measures, strict=True)):
                if m is not None and m.text:
                    text = dict(ln.texts).get(m.id)
                    cells.append(Cell(fill(text, self.resolve)) if text else BLANK)
                    continue
                if not ln.has_amount or not _placed(lay, ln, j):
                    cells.append(BLANK)
                    continue
                cell = self._figure(table, lay, ln, line_key=ln.figure_label, column=col.key, view=TOTAL,
                                    measure=m.id if m else None, rate=m is not None and m.unit == "%")
                if lay.inner_column is not None and ln.place == "both" and j == 0:
                    cell = replace(cell, figure=None)  # the same figure again: printed, keyed once
                cells.append(replace(cell, style=self._style(lay, ln, m, first)))
            first = first and not ln.has_amount
            table.rows.append(_row(ln, ln.figure_label, cells))
        _add_formulas(table, lay, lines)
        if lay.inner_column is not None:  # the inner copy of a figure printed in both columns refers to it
            for i, ln in enumerate(lines):
                if ln.place == "both" and table.rows[i].cells[1].value is not None:
                    table.rows[i].formulas[0] = Formula((Term(1, i, 1),))
        return table

    def _measure_columns(self, lay: Layout) -> list[Column]:
        """Columns of a schedule; a rate column's label names its unit, e.g. 平均利率(%)."""
        groups = {name: (g.label, label) for g in self.column_groups if g.statement == lay.id
                  for name, label in zip(g.columns, g.labels, strict=True)}
        out = []
        for c in lay.measures:
            group, label = groups.get(c.name, (None, c.header or c.name))
            if c.unit:
                label = self.labels["column_unit"].format(name=label, unit=c.unit)
            out.append(Column(c.name, label, group, numeric=not c.text))
        return out

    def segments(self, lay: Layout) -> Table:
        ss = self.ss
        views = ss.columns(lay)
        headers = ss.book.settings.get(SEGMENT_HEADERS, {})
        columns = [Column(name, headers.get(v, name), view=v) for v, name in ((v, self._view_name(v)) for v in views)]
        table = self._table(lay, f"{lay.id}-segments", "segments", title=lay.title, figure_table=lay.segment_table,
                            columns=columns)
        lines = ss.lines_for(lay, segment_table=True)
        for ln in lines:
            key = ln.segment_ref or ln.figure_label
            style = self._style(lay, ln, None, first=False)
            cells = [replace(self._figure(table, lay, ln, line_key=key, column=col.key, view=v), style=style)
                     if ln.has_amount else BLANK for col, v in zip(columns, views, strict=True)]
            table.rows.append(_row(ln, key, cells))
        _add_formulas(table, lay, lines)
        return table

    def _view_name(self, view: str) -> str:
        return self.ss.column_label(view) if view not in (ELIM, TOTAL) else view

    def _figure(self, table: Table, lay: Layout, ln: Line, *, line_key: str, column: str, view: str,
                measure: str | None = None, rate: bool = False) -> Cell:
        amount = self.ss.value(lay.id, ln, view, measure)
        source = self.ss.source(lay.id, ln, view, measure)
        figure = FigureId(table.figure_table, line_key, column) if table.figure_table else None
        if amount is None:
            return Cell(None, None, figure, source)
        if rate:
            return Cell(percent(amount), None, figure, source)
        return Cell(shown(table.presentation, amount), amount, figure, source)

    # -- budget-vs-actual (決算報告書, 決算の概要)

    def budget(self, lay: Layout, view: str) -> Table:
        ss = self.ss
        segment = None if view == TOTAL else view
        budget = ss.budget
        notes = [n for n in (budget.notes if budget else ()) if n.statement == lay.id] if view == TOTAL else []
        all_reasons = [r for r in (budget.reasons if budget else ()) if r.statement == lay.id]
        reasons = [r for r in all_reasons if r.segment == segment]
        columns = [Column(name, name) for name in lay.columns]
        if notes:
            columns.append(Column(self.labels["remarks"], self.labels["remarks"], numeric=False))
        if all_reasons:
            columns.append(Column(self.labels["reasons"], self.labels["reasons"], numeric=False, long=True))
        if view == TOTAL:
            figure_table = lay.table or lay.id
            table = self._table(lay, lay.id, "budget", title=lay.title, figure_table=figure_table, columns=columns)
        else:
            name = ss.column_label(view)
            title = self.labels["segment_table"].format(segment=name, title=lay.segment_title or lay.title,
                                                        number=ss.segment_codes.index(view) + 1)
            figure_table = (lay.segment_table or lay.id).format(segment=name)
            table = self._table(lay, f"{lay.id}-{view}", "budget", title=title, figure_table=figure_table,
                                columns=columns, segment=view)
        bullets: dict[str, list[str]] = {}
        for line_id, text, cited in reason_bullets(ss, reasons):
            bullets.setdefault(line_id, []).append("・" + cite(text, cited))
        revision = ss.revision.code if ss.revision else ""
        lines = ss.lines_for(lay, segment_table=view != TOTAL)
        for ln in lines:
            if not ln.has_amount:
                cells = [BLANK] * len(lay.columns)  # 備考 and 主な理由 follow below
            else:
                key = ln.figure_label
                ids = [FigureId(figure_table, key, c) for c in lay.columns]
                b = ss.budget_value(lay.id, ln, view)
                a = _amount(ss, lay, ln, view)
                p = table.presentation
                style = self._style(lay, ln, None, first=False)
                cells = [
                    NO_BUDGET if b is None else Cell(shown(p, b), b, ids[0], Derived("budget", revision), style),
                    Cell(shown(p, a), a, ids[1], ss.source(lay.id, ln, view), style),
                    NO_BUDGET if b is None else Cell(shown(p, a - b), a - b, ids[2],
                                                     Derived("difference", "", ((1, ids[1]), (-1, ids[0]))), style),
                ]
            if notes:
                prefix = lay.note_mark_prefix  # a layout option: the marks' common prefix, printed once
                marks = "、".join(n.mark.removeprefix(prefix) for n in notes if ln.id in n.lines)
                cells.append(Cell(f"({prefix}{marks})") if marks else BLANK)
            if all_reasons:
                cells.append(Cell("\n".join(bullets.get(ln.id or "", [])) or None))
            table.rows.append(_row(ln, ln.figure_label, cells))
        table.notes = [self.labels["note"].format(mark=n.mark, text=n.text) for n in notes]
        _add_formulas(table, lay, lines, difference=True)
        return table

    # -- 推移 (億円, decimals)

    def trend(self, tr: TrendLayout) -> Table:
        ss = self.ss
        history = ss.history.get(tr.series, {})
        years = sorted({y for y, _ in history if y < ss.year} | {ss.year})
        columns = [Column(tr.heading(y), tr.heading(y)) for y in years]
        table = Table(tr.id, tr.id, "trend", tr.title, tr.table, None, self.labels["unit"].format(unit=tr.unit),
                      self.labels["label_header"], columns, Presentation(tr.unit, tr.rounding), order=tr.order,
                      axes=Axes(tuple(tr.tick(y) for y in years), tr.axis_x, tr.axis_y.format(unit=tr.unit)))
        for seg, label in tr.rows:
            cells: list[Cell] = []
            for y, col in zip(years, columns, strict=True):
                figure = FigureId(tr.table, label, col.key)
                if y == ss.year:
                    amount = sum(sign * (ss.value(stmt, line, seg) or 0)
                                 for sign, (stmt, _, line) in ((s, t.partition(".")) for s, t in tr.measure))
                    source = Source("formula", tr.id, label, col.key, seg, terms=tr.measure)
                    cells.append(Cell(round_oku(amount, tr.decimals, tr.rounding, tr.small_decimals), amount, figure, source))
                elif (y, seg) in history:
                    cells.append(Cell(Decimal(history[(y, seg)]), None, figure, Derived("history", tr.series)))
                else:
                    cells.append(BLANK)
            table.rows.append(Row(label, label, 0, False, cells))
        totals = []
        quantum = Decimal(1).scaleb(-tr.decimals)
        for j, col in enumerate(columns):
            parts = [(c.value, c.figure) for c in (row.cells[j] for row in table.rows)
                     if isinstance(c.value, Decimal) and c.figure is not None]
            # printed with the table's decimals: Σ of the rounded parts (864.91 → 864.9), as published
            total = sum((v for v, _ in parts), Decimal(0)).quantize(quantum, rounding=ROUND_HALF_UP)
            terms = tuple((1, f) for _, f in parts)
            totals.append(Cell(total, None, FigureId(tr.table, tr.total_label, col.key), Derived("sum_of_rounded", "", terms)))
        table.rows.append(Row(tr.total_label, tr.total_label, 0, True, totals))
        return table

    # -- text statements (重要な会計方針)

    def text(self, tx: TextLayout) -> Table:
        lines = render_text_statement(tx, self.resolve).strip("\n").splitlines()
        return Table(tx.id, tx.id, "text", tx.title, None, None, None, self.labels["label_header"], [],
                     Presentation("円"), text=lines, order=tx.order)


def _printed_yen(value: int) -> str:
    """An amount cited in a sentence, as the tables print it: 1,234,567 or △1,234."""
    return f"{'△' if value < 0 else ''}{abs(value):,}"


def _amount(ss: StatementSet, lay: Layout, ln: Line, view: str, measure: str | None = None) -> int:
    """The amount of a line that has one (a heading has none: asking for it is a bug)."""
    value = ss.value(lay.id, ln, view, measure)
    if value is None:
        raise ValueError(f"{lay.id}: line {ln.label!r} has no amount")
    return value


def reason_bullets(ss: StatementSet, reasons: Iterable[Reason]) -> list[tuple[str, str, list[int | None]]]:
    """Group reasons citing several amounts (part 1, 2, …) into one bullet with its amounts."""
    bullets: dict[tuple[str, str], list[tuple[int, int | None]]] = {}
    for r in reasons:
        bullets.setdefault((r.line, r.text), []).append((r.part, cited_amount(ss, r)))
    return [(line, text, [a for _, a in sorted(parts)]) for (line, text), parts in bullets.items()]


def cite(text: str, amounts: list[int | None]) -> str:
    """Write the cited amounts (百万円, computed where the book can) into the bullet text."""
    it = iter(amounts)

    def repl(m: Match[str]) -> str:
        value = next(it, None)
        if value is None:
            return m.group(0)
        printed = f"{abs(value):,}"
        return f"{m.group(1)}{'△' + printed if value < 0 else printed}{m.group(3)}"

    return AMOUNT_IN_TEXT.sub(repl, text)


def _row(ln: Line, key: str, cells: list[Cell]) -> Row:
    return Row(ln.label, key if ln.has_amount else None, ln.indent, ln.bold or not ln.has_amount, cells, line_id=ln.id,
               mark=ln.mark)


def _placed(lay: Layout, ln: Line, j: int) -> bool:
    """Whether a line's amount prints in column j: always, but in a two-column statement
    (inner_column) only in its place, inner (column 0), outer (column 1) or both."""
    if lay.inner_column is None:
        return True
    return ln.place == "both" or (ln.place == "inner") == (j == 0)


# -- formulas: subtotals a workbook computes, kept only where they give the stored value

def _add_formulas(table: Table, lay: Layout, lines: list[Line], difference: bool = False) -> None:
    if table.presentation.rounding is not None:
        return  # rounded figures: a total is rounded on its own, not the sum of rounded parts
    rows_by_id = {ln.id: i for i, ln in enumerate(lines) if ln.id}
    col_index = {c.id: j for j, c in enumerate(lay.measures)}
    for i, ln in enumerate(lines):
        row = table.rows[i]
        if row.heading:
            continue
        for j, col in enumerate(table.columns):
            if not col.numeric or row.cells[j].value is None:
                continue
            formula = _cell_formula(lay, ln, i, j, rows_by_id=rows_by_id, col_index=col_index, difference=difference)
            if formula is not None and _evaluates(table, formula) == row.cells[j].value:
                row.formulas[j] = formula


def _cell_formula(lay: Layout, ln: Line, i: int, j: int, *, rows_by_id: dict[str, int], col_index: dict[str, int],
                  difference: bool) -> Formula | None:
    if difference and j == 2:  # 差額 = 決算 − 予算
        return Formula((Term(1, i, 1), Term(-1, i, 0)))
    measure = lay.measures[j] if lay.measures and j < len(lay.measures) else None
    if measure is not None and measure.formula is not None:
        return _formula(measure.formula, lambda t: (i, col_index[t]) if t in col_index else None)
    if ln.formula is not None:
        return _formula(ln.formula, lambda t: (rows_by_id[t], j) if t in rows_by_id else None)
    return None


def _formula(terms: tuple[tuple[int, str], ...], locate: Callable[[str], tuple[int, int] | None]) -> Formula | None:
    out: list[Term] = []
    constant = 0
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
        value = table.rows[t.row].cells[t.col].value
        if not isinstance(value, int) or table.rows[t.row].heading:
            return None
        total += t.sign * value
    return total

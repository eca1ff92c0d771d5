"""The figures contract: every figure the engine produces as (table, line, column, value).

Table, line and column names are exactly those of the published-figure CSVs
(examples/*/published/*.csv), so ``reconcile`` is a plain join. Reference files are read
only here, for comparison; no statement ever reads them.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .render.format import Rounding, Unit, round_yen
from .statements.engine import ELIM, TOTAL, StatementSet
from .statements.layout import Layout, Line
from .statements.trend import TrendTable, build_trend, parse_trend

ENTITY_COLUMN = "金額"


@dataclass(frozen=True, slots=True)
class Figure:
    table: str
    line: str
    column: str
    value: int | str  # int yen (or rounded 百万円); str for published-style decimals (億円)


UNITS = {"円": Unit.YEN, "千円": Unit.THOUSAND_YEN, "百万円": Unit.MILLION_YEN, "億円": Unit.HUNDRED_MILLION_YEN}


def presenter(layout: Layout):
    """The rounding of a layout's figures: none for 円, else its named policy (四捨五入 default)."""
    unit = UNITS.get(layout.unit, Unit.YEN)
    if unit is Unit.YEN:
        return lambda v: v
    policy = Rounding(layout.rounding or "half_up")
    return lambda v: round_yen(v, unit, policy)


def percent(hundredths: int) -> str:
    """A rate held in hundredths of a percent, as the published decimal (123 → "1.23")."""
    return str(Decimal(hundredths).scaleb(-2))


def budget_rows(ss: StatementSet, layout: Layout, view: str) -> list[tuple[Line, int | None, int, int | None]]:
    """(line, 予算, 決算, 差額) in yen for one view of a budget layout; 差額 = 決算 − 予算."""
    rows = []
    for ln in ss.lines_for(layout, segment_table=view != TOTAL):
        if ln.has_amount:
            b = ss.budget_value(layout.id, ln, view)
            a = ss.value(layout.id, ln, view)
            rows.append((ln, b, a, None if b is None else a - b))
    return rows


def _budget_figures(ss: StatementSet, layout: Layout) -> list[Figure]:
    out: list[Figure] = []
    show = presenter(layout)
    views: list[tuple[str, str]] = []
    if layout.table and layout.entity:
        views.append((layout.table, TOTAL))
    if layout.per_segment_tables:
        views += [(layout.segment_table.format(segment=ss.column_label(s)), s) for s in ss.segment_codes]
    for table, view in views:
        for ln, b, a, d in budget_rows(ss, layout, view):
            label = ln.figure_label
            if b is not None:
                out.append(Figure(table, label, layout.columns[0], show(b)))
            out.append(Figure(table, label, layout.columns[1], show(a)))
            if d is not None:
                out.append(Figure(table, label, layout.columns[2], show(d)))
    return out


def figures(ss: StatementSet) -> list[Figure]:
    out: list[Figure] = []
    for layout in ss.ordered():
        if layout.budget:
            out += _budget_figures(ss, layout)
            continue
        show = presenter(layout)
        if layout.table and layout.entity:
            for ln in ss.lines_for(layout, segment_table=False):
                if not ln.has_amount:
                    continue
                if layout.measures:  # a schedule: one figure per measure column
                    for col in layout.measures:
                        v = ss.value(layout.id, ln, TOTAL, col.id)
                        out.append(Figure(layout.table, ln.figure_label, col.name, percent(v) if col.unit == "%" else show(v)))
                else:
                    out.append(Figure(layout.table, ln.figure_label, ENTITY_COLUMN, show(ss.value(layout.id, ln, TOTAL))))
        if layout.segment_table:
            for ln in ss.lines_for(layout, segment_table=True):
                if not ln.has_amount:
                    continue
                label = ln.segment_ref or ln.figure_label
                for view in ss.columns(layout):
                    column = ss.column_label(view) if view not in (ELIM, TOTAL) else view
                    out.append(Figure(layout.segment_table, label, column, ss.value(layout.id, ln, view)))
    out += trend_figures(ss)
    return out


def trend_tables(ss: StatementSet) -> list[TrendTable]:
    layouts = sorted((t for _, text in ss.book.layouts if (t := parse_trend(text))), key=lambda t: t.order)
    return [build_trend(ss, t, ss.history.get(t.series, {})) for t in layouts]


def trend_figures(ss: StatementSet) -> list[Figure]:
    out = []
    for table in trend_tables(ss):
        rows = [*table.layout.rows, ("", table.layout.total_label)]
        for seg, label in rows:
            for year, column in zip(table.years, table.columns()):
                if (seg, year) in table.cells:
                    out.append(Figure(table.layout.table, label, column, str(table.cells[(seg, year)])))
    return out


def write_csv(figs: Iterable[Figure], fh) -> None:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["table", "line", "column", "value"])
    for f in figs:
        w.writerow([f.table, f.line, f.column, f.value])


@dataclass(frozen=True)
class Mismatch:
    table: str
    line: str
    column: str
    expected: int | str
    actual: int | str | None  # None: the engine produced no such figure

    @property
    def missing(self) -> bool:
        return self.actual is None


@dataclass(frozen=True)
class KnownDifference:
    """A published figure the engine knowingly does not reproduce (a published inconsistency)."""

    table: str
    line: str
    column: str
    published: int | str
    engine: int | str
    reason: str


def read_known(path: Path | str) -> list[KnownDifference]:
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            def num(v: str) -> int | str:
                try:
                    return int(v)
                except ValueError:
                    return v
            out.append(KnownDifference(row["table"], row["line"], row["column"], num(row["published"]),
                                       num(row["engine"]), row["reason"]))
    return out


@dataclass(frozen=True)
class Reconciliation:
    matched: int
    mismatches: list[Mismatch]
    tables_missing: list[str]  # reference tables the engine produces no figure for
    extra: int  # figures the engine produced that the reference does not list
    known: list[tuple[KnownDifference, bool]] = field(default_factory=list)  # (difference, still observed as documented)

    @property
    def differ(self) -> int:
        return sum(1 for m in self.mismatches if not m.missing)

    @property
    def missing(self) -> int:
        return sum(1 for m in self.mismatches if m.missing)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def read_reference(path: Path | str) -> list[Figure]:
    """Read a published-figure CSV (header table,line,column,value[,…]); integer values only."""
    out: list[Figure] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            value = row["value"].strip()
            try:
                out.append(Figure(row["table"], row["line"], row["column"], int(value)))
            except ValueError:
                out.append(Figure(row["table"], row["line"], row["column"], value))  # decimal, e.g. 30.8 億円
    return out


def _same(a: int | str | None, b: int | str) -> bool:
    """Integers compare exactly; decimals (億円) compare as numbers, so "0.10" equals "0.1"."""
    if a is None:
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return False


def reconcile(produced: list[Figure], reference: list[Figure], tables: set[str] | None = None,
              known: list[KnownDifference] = ()) -> Reconciliation:
    """Compare produced figures with a reference; a documented known difference is accepted only
    while both sides still show exactly the documented values."""
    mine = {(f.table, f.line, f.column): f.value for f in produced}
    known_by_key = {(k.table, k.line, k.column): k for k in known}
    accepted: list[tuple[KnownDifference, bool]] = []
    ref = [f for f in reference if tables is None or f.table in tables]
    produced_tables = {f.table for f in produced}
    mismatches: list[Mismatch] = []
    matched = 0
    for f in ref:
        got = mine.get((f.table, f.line, f.column))
        k = known_by_key.get((f.table, f.line, f.column))
        if k is not None:
            holds = _same(got, k.engine) and _same(f.value, k.published)
            accepted.append((k, holds))
            if holds:
                continue
        if _same(got, f.value):
            matched += 1
        else:
            mismatches.append(Mismatch(f.table, f.line, f.column, f.value, got))
    ref_keys = {(f.table, f.line, f.column) for f in ref}
    extra = sum(1 for k in mine if k not in ref_keys and (tables is None or k[0] in tables))
    missing_tables = sorted({f.table for f in ref} - produced_tables, key=lambda t: [r.table for r in ref].index(t))
    return Reconciliation(matched, mismatches, missing_tables, extra, accepted)

"""The figures contract: every figure the engine produces as (table, line, column, value).

Table, line and column names are exactly those of the published-figure CSVs
(examples/*/published/*.csv), so ``reconcile`` is a plain join. Reference files are read
only here, for comparison; no statement ever reads them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .statements.engine import ELIM, TOTAL, StatementSet

ENTITY_COLUMN = "金額"


@dataclass(frozen=True, slots=True)
class Figure:
    table: str
    line: str
    column: str
    value: int


def figures(ss: StatementSet) -> list[Figure]:
    out: list[Figure] = []
    for layout in ss.ordered():
        if layout.table and layout.entity:
            for ln in ss.lines_for(layout, segment_table=False):
                if ln.has_amount:
                    out.append(Figure(layout.table, ln.figure_label, ENTITY_COLUMN, ss.value(layout.id, ln, TOTAL)))
        if layout.segment_table:
            for ln in ss.lines_for(layout, segment_table=True):
                if not ln.has_amount:
                    continue
                label = ln.segment_ref or ln.figure_label
                for view in ss.columns(layout):
                    column = ss.column_label(view) if view not in (ELIM, TOTAL) else view
                    out.append(Figure(layout.segment_table, label, column, ss.value(layout.id, ln, view)))
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
    expected: int
    actual: int | None  # None: the engine produced no such figure

    @property
    def missing(self) -> bool:
        return self.actual is None


@dataclass(frozen=True)
class Reconciliation:
    matched: int
    mismatches: list[Mismatch]
    tables_missing: list[str]  # reference tables the engine produces no figure for
    extra: int  # figures the engine produced that the reference does not list

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
                amount = int(value)
            except ValueError:
                continue  # decimal 億円 figures (推移) are compared by their own module later
            out.append(Figure(row["table"], row["line"], row["column"], amount))
    return out


def reconcile(produced: list[Figure], reference: list[Figure], tables: set[str] | None = None) -> Reconciliation:
    mine = {(f.table, f.line, f.column): f.value for f in produced}
    ref = [f for f in reference if tables is None or f.table in tables]
    produced_tables = {f.table for f in produced}
    mismatches: list[Mismatch] = []
    matched = 0
    for f in ref:
        got = mine.get((f.table, f.line, f.column))
        if got == f.value:
            matched += 1
        else:
            mismatches.append(Mismatch(f.table, f.line, f.column, f.value, got))
    ref_keys = {(f.table, f.line, f.column) for f in ref}
    extra = sum(1 for k in mine if k not in ref_keys and (tables is None or k[0] in tables))
    missing_tables = sorted({f.table for f in ref} - produced_tables, key=lambda t: [r.table for r in ref].index(t))
    return Reconciliation(matched, mismatches, missing_tables, extra)

"""The figures contract: every figure the engine produces as (table, line, column, value).

Table, line and column names are exactly those of the published-figure CSVs
(examples/*/published/*.csv), so ``reconcile`` is a plain join. Reference files are read
only here, for comparison; no statement ever reads them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TextIO

from .model import Report, Table


@dataclass(frozen=True, slots=True)
class Figure:
    table: str
    line: str
    column: str
    value: int | str  # int yen (or rounded 百万円); str for published-style decimals (億円, %)


def figures(report: Report) -> list[Figure]:
    """Every figure of the report model, in report order."""
    return [f for t in report.tables for f in table_figures(t)]


def table_figures(table: Table) -> list[Figure]:
    """The figures of one table: its cells that carry a figure id and a value."""
    out = []
    for _, _, c in table.figures():
        if c.figure is not None and c.value is not None:
            value = str(c.value) if isinstance(c.value, Decimal) else c.value
            out.append(Figure(c.figure.table, c.figure.line, c.figure.column, value))
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """A text cell that no spreadsheet will run: one beginning with = + - @ tab or CR gets a
    leading apostrophe (OWASP CSV injection). Numbers are written as they are."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_value(value: int | str) -> int | str:
    if isinstance(value, int):
        return value
    try:
        Decimal(value)
        return value  # a decimal figure such as -65.5
    except InvalidOperation:
        return csv_text(value)


def write_csv(figs: Iterable[Figure], fh: TextIO) -> None:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["table", "line", "column", "value"])
    for f in figs:
        w.writerow([csv_text(f.table), csv_text(f.line), csv_text(f.column), _csv_value(f.value)])


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
        reader = csv.DictReader(fh)
        columns = ("table", "line", "column", "published", "engine", "reason")
        if missing := [c for c in columns if c not in (reader.fieldnames or [])]:
            raise ValueError(f"{path}: not a known-differences CSV: no column {', '.join(missing)} in its header")
        for row in reader:
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
        reader = csv.DictReader(fh)
        if missing := [c for c in ("table", "line", "column", "value") if c not in (reader.fieldnames or [])]:
            raise ValueError(f"{path}: not a figures CSV: no column {', '.join(missing)} in its header")
        for row in reader:
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
              known: Sequence[KnownDifference] = ()) -> Reconciliation:
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
    order = {t: i for i, t in reversed(list(enumerate(f.table for f in ref)))}  # first appearance
    missing_tables = sorted({f.table for f in ref} - produced_tables, key=order.__getitem__)
    return Reconciliation(matched, mismatches, missing_tables, extra, accepted)

"""Machine-readable output of the report model: JSON documents. Amounts are numbers as the
table prints them (rounded in 百万円 tables, decimals as strings), with the exact yen behind
each computed figure and its figure id; negatives are signed, never △."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from ..report.model import Cell, Report, Table
from ..statements.engine import Source


def report_json(report: Report, tables: list[Table]) -> dict:
    return {"book": report.book, "entity": report.entity, "year": report.year, "fiscal_year": report.fiscal_year,
            "closing_state": report.closing_state, "budget_revision": report.revision,
            "tables": [table_json(t) for t in tables]}


def table_json(t: Table) -> dict:
    doc = {"id": t.id, "statement": t.statement, "kind": t.kind, "title": t.title, "table": t.figure_table,
           "caption": t.caption, "unit": t.presentation.unit, "rounding": t.presentation.rounding,
           "segment": t.segment, "columns": [c.key for c in t.columns]}
    if t.kind == "text":
        doc["text"] = t.text
        return doc
    rows = []
    for row in t.rows:
        item: dict = {"label": row.label, "indent": row.indent, "bold": row.bold}
        if row.line_id:
            item["id"] = row.line_id
        if row.key is not None:
            item["line"] = row.key
            item["cells"] = {c.key: _cell(cell) for c, cell in zip(t.columns, row.cells)
                             if cell.value is not None or cell.source is not None}  # a blank 予算額 says why
        rows.append(item)
    doc["lines"] = rows
    if t.notes:
        doc["notes"] = t.notes
    return doc


def _cell(cell: Cell) -> dict:
    value = str(cell.value) if isinstance(cell.value, Decimal) else cell.value
    out: dict = {"value": value}
    if cell.yen is not None:
        out["yen"] = cell.yen
    if cell.source is not None:
        out["source"] = _source(cell.source)
    return out


def _source(src) -> dict:
    doc = {k: v for k, v in dataclasses.asdict(src).items() if v not in (None, (), "")}
    if isinstance(src, Source):
        doc["partners"] = src.partners
    if "terms" in doc:
        doc["terms"] = [[sign, dataclasses.asdict(t) if dataclasses.is_dataclass(t) else t] for sign, t in doc["terms"]]
    return doc

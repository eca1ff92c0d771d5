"""Machine-readable output of the report model: JSON documents. Amounts are numbers as the
table prints them (rounded in 百万円 tables, decimals as strings), with the exact yen behind
each computed figure and its figure id; negatives are signed, never △."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from ..report.model import Cell, Provenance, Report, Table
from ..statements.engine import Source

JSON = dict[str, Any]


def report_json(report: Report, tables: list[Table]) -> JSON:
    return {"book": report.book, "entity": report.entity, "year": report.year, "fiscal_year": report.fiscal_year,
            "closing_state": report.closing_state, "budget_revision": report.revision,
            "tables": [table_json(t) for t in tables]}


def table_json(t: Table) -> JSON:
    doc: JSON = {"id": t.id, "statement": t.statement, "kind": t.kind, "title": t.title, "table": t.figure_table,
           "caption": t.caption, "unit": t.presentation.unit, "rounding": t.presentation.rounding,
           "segment": t.segment, "columns": [c.key for c in t.columns]}
    if t.kind == "text":
        doc["text"] = t.text
        return doc
    rows = []
    for row in t.rows:
        item: JSON = {"label": row.label, "indent": row.indent, "bold": row.bold}
        if row.line_id:
            item["id"] = row.line_id
        if row.key is not None:
            item["line"] = row.key
            item["cells"] = {c.key: _cell(cell) for c, cell in zip(t.columns, row.cells, strict=True)
                             if cell.value is not None or cell.source is not None}  # a blank 予算額 says why
        rows.append(item)
    doc["lines"] = rows
    if t.notes:
        doc["notes"] = t.notes
    return doc


def _cell(cell: Cell) -> JSON:
    value = str(cell.value) if isinstance(cell.value, Decimal) else cell.value
    out: JSON = {"value": value}
    if cell.yen is not None:
        out["yen"] = cell.yen
    if cell.source is not None:
        out["source"] = _source(cell.source)
    return out


def _source(src: Provenance) -> JSON:
    """A cell's provenance; asdict turns a Derived's FigureId terms into objects too."""
    doc: JSON = {k: v for k, v in dataclasses.asdict(src).items() if v not in (None, (), "")}
    if isinstance(src, Source):
        doc["partners"] = src.partners
    return doc

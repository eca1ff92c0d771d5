"""Machine-readable statements: JSON documents and CSV rows, signed integer yen."""

from __future__ import annotations

from ..statements.engine import ELIM, TOTAL, StatementSet
from ..statements.layout import Layout


def statement_json(ss: StatementSet, layout: Layout, segments: bool) -> dict:
    views = ss.columns(layout) if segments and layout.segment_table else [TOTAL]
    cols = [ss.column_label(v) if v not in (ELIM, TOTAL) else v for v in views]
    lines = []
    for ln in ss.lines_for(layout, segment_table=segments and bool(layout.segment_table)):
        row = {"label": ln.label, "line": ln.segment_ref if segments and ln.segment_ref else ln.figure_label,
               "indent": ln.indent}
        if ln.id:
            row["id"] = ln.id
        if ln.has_amount:
            row["values"] = {c: ss.value(layout.id, ln, v) for c, v in zip(cols, views)}
        lines.append(row)
    table = layout.segment_table if segments and layout.segment_table else layout.table
    return {"id": layout.id, "title": layout.title, "table": table, "unit": layout.unit, "columns": cols,
            "lines": lines}

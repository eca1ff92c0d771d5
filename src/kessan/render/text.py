"""Terminal tables (rich). Segment tables are split into column blocks that fit the width."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..statements.engine import ELIM, TOTAL, StatementSet
from ..statements.layout import Layout
from .format import yen

INDENT = "  "


def caption(ss: StatementSet, layout: Layout) -> str:
    from ..ledger.model import FiscalYear

    fy: FiscalYear = ss.book.fiscal_year(ss.year)
    if layout.caption == "as_of":
        return f"({fy.end:%Y-%m-%d} 現在) (単位: {layout.unit})"
    return f"({fy.start:%Y-%m-%d}～{fy.end:%Y-%m-%d}) (単位: {layout.unit})"


def render_statement(console: Console, ss: StatementSet, layout: Layout, segments: bool) -> None:
    if segments and layout.segment_table:
        _render_segment_table(console, ss, layout)
        return
    table = Table(title=f"{ss.book.name}  {layout.title}\n{caption(ss, layout)}", title_style="bold",
                  show_lines=False, header_style="bold", min_width=min(60, console.width))
    table.add_column("科目", overflow="fold")
    table.add_column("金額", justify="right", no_wrap=True)
    for ln in ss.lines_for(layout, segment_table=False):
        value = ss.value(layout.id, ln, TOTAL) if ln.has_amount else None
        label = INDENT * ln.indent + ln.label
        style = "bold" if ln.bold or not ln.has_amount else None
        table.add_row(label, yen(value), style=style)
    console.print(table)


def _render_segment_table(console: Console, ss: StatementSet, layout: Layout) -> None:
    views = ss.columns(layout)
    lines = ss.lines_for(layout, segment_table=True)
    label_width = max(len(ln.label) * 2 + ln.indent * 2 for ln in lines)
    label_width = min(label_width, 30)
    num_width = 17
    per_block = max(1, (console.width - label_width - 4) // (num_width + 3))
    blocks = [views[i:i + per_block] for i in range(0, len(views), per_block)]
    for n, block in enumerate(blocks, 1):
        suffix = f"  [{n}/{len(blocks)}]" if len(blocks) > 1 else ""
        table = Table(title=f"{ss.book.name}  事業別 {layout.title}{suffix}\n{caption(ss, layout)}",
                      title_style="bold", header_style="bold")
        table.add_column("科目", overflow="fold", max_width=label_width)
        for view in block:
            name = ss.column_label(view) if view not in (ELIM, TOTAL) else view
            table.add_column(name, justify="right", no_wrap=True, overflow="fold", min_width=num_width)
        for ln in lines:
            values = [yen(ss.value(layout.id, ln, v)) if ln.has_amount else "" for v in block]
            style = "bold" if ln.bold or not ln.has_amount else None
            table.add_row(INDENT * ln.indent + ln.label, *values, style=style)
        console.print(table)


def render_checks(console: Console, results) -> None:
    table = Table(title="照合 (checks)", header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("check", overflow="fold")
    table.add_column("detail", overflow="fold")
    for r in results:
        mark = "[green]PASS[/]" if r.passed else "[red]FAIL[/]"
        table.add_row(mark, r.name, r.detail)
    console.print(table)
    failed = sum(1 for r in results if not r.passed)
    console.print(f"checks: {len(results) - failed} passed, {failed} failed")

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


def render_budget(console: Console, ss: StatementSet, layout: Layout, view: str = TOTAL) -> None:
    """決算報告書 / 決算の概要: 予算, 決算, 差額 and 備考 (note marks), then the notes or reasons."""
    from ..figures import budget_rows, presenter
    from ..statements.budget_report import cited_amount

    show = presenter(layout)
    who = "" if view == TOTAL else f" {ss.column_label(view)}"
    rev = f"  予算: {ss.revision.name} ({ss.revision.approved:%Y-%m-%d} {ss.revision.body})" if ss.revision else "  (予算なし)"
    table = Table(title=f"{ss.book.name}  {layout.title}{who}\n{caption(ss, layout)}{rev}", title_style="bold",
                  header_style="bold", min_width=min(100, console.width))
    table.add_column("科目", overflow="fold")
    for name in layout.columns:
        table.add_column(name, justify="right", no_wrap=True)
    notes = [n for n in (ss.budget.notes if ss.budget else ()) if n.statement == layout.id] if view == TOTAL else []
    table.add_column("備考", no_wrap=True)
    amounts = {id(ln): (b, a, d) for ln, b, a, d in budget_rows(ss, layout, view)}
    for ln in ss.lines_for(layout, segment_table=view != TOTAL):
        if id(ln) not in amounts:  # a heading
            table.add_row(INDENT * ln.indent + ln.label, "", "", "", "", style="bold")
            continue
        b, a, d = amounts[id(ln)]
        marks = "、".join(n.mark for n in notes if ln.id in n.lines)
        table.add_row(INDENT * ln.indent + ln.label, yen(None if b is None else show(b)), yen(show(a)),
                      yen(None if d is None else show(d)), f"({marks})" if marks else "",
                      style="bold" if ln.bold else None)
    console.print(table)
    for n in notes:
        console.print(f"({n.mark}) {n.text}", highlight=False, markup=False)
    segment = None if view == TOTAL else view
    reasons = [r for r in (ss.budget.reasons if ss.budget else ()) if r.statement == layout.id and r.segment == segment]
    if reasons:
        console.print("左の主な理由:")
        for line_id, text, amounts in reason_bullets(ss, reasons):
            console.print(f"  [{layout.line(line_id).label}] {cite(text, amounts)}", highlight=False, markup=False)


def render_trend(console: Console, table) -> None:
    t = Table(title=f"{table.layout.title}\n(単位: {table.layout.unit})", title_style="bold", header_style="bold")
    t.add_column("")
    for c in table.columns():
        t.add_column(c, justify="right", no_wrap=True)
    for seg, label in [*table.layout.rows, ("", table.layout.total_label)]:
        values = [str(table.cells[(seg, y)]) if (seg, y) in table.cells else "" for y in table.years]
        t.add_row(label, *values, style="bold" if not seg else None)
    console.print(t)


def reason_bullets(ss: StatementSet, reasons) -> list[tuple[str, str, list[int | None]]]:
    """Group reasons citing several amounts (part 1, 2, …) into one bullet with its amounts."""
    from ..statements.budget_report import cited_amount

    bullets: dict[tuple[str, str], list] = {}
    for r in reasons:
        bullets.setdefault((r.line, r.text), []).append((r.part, cited_amount(ss, r)))
    return [(line, text, [a for _, a in sorted(parts)]) for (line, text), parts in bullets.items()]


def cite(text: str, amounts: list[int | None]) -> str:
    """Write the cited amounts (百万円, computed where the book can) into the bullet text."""
    from ..statements.budget_report import AMOUNT_IN_TEXT

    it = iter(amounts)

    def repl(m):
        value = next(it, None)
        return m.group(0) if value is None else f"{m.group(1)}{yen(value)}{m.group(3)}"

    return AMOUNT_IN_TEXT.sub(repl, text)

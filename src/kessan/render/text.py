"""Terminal tables (rich) of the report model. Wide tables are split into column blocks
that fit the width; long text columns (左の主な理由) are printed below their table. Nothing
here computes a figure: every number comes from a report cell."""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from ..ledger.model import CheckResult
from ..report.model import Derived, Report, Table
from .format import printed

INDENT = "  "
NUMBER_WIDTH = 17


def render_report(console: Console, report: Report, tables: list[Table]) -> None:
    draft = "" if report.closing_state == "CLOSED" else f" ({report.labels.get('draft', '未確定')})"
    console.print(Text(f"{report.entity} {report.fiscal_year}: period {report.closing_state}{draft}", style="bold"))
    for t in tables:
        render_table(console, report, t)


def render_table(console: Console, report: Report, table: Table) -> None:
    if table.kind == "text":
        console.print(f"\n{table.title}\n", style="bold")
        console.print("\n".join(table.text), highlight=False, markup=False)
        return
    shown = [j for j, c in enumerate(table.columns) if not c.long]
    long = [j for j, c in enumerate(table.columns) if c.long]
    widest = max([cell_len(INDENT * r.indent + r.printed_label) for r in table.rows] or [10])
    label_width = min(widest, max(30, console.width // 3))
    per_block = max(1, (console.width - label_width - 4) // (NUMBER_WIDTH + 3))
    blocks = [shown[i:i + per_block] for i in range(0, len(shown), per_block)] or [[]]
    head = f"{report.entity}  {table.title}"
    caption = " ".join(x for x in (table.caption, table.unit) if x)
    if table.kind == "budget":
        caption += f"  予算: {report.budget_label}" if report.budget_label else "  (予算なし)"
    for n, block in enumerate(blocks, 1):
        suffix = f"  [{n}/{len(blocks)}]" if len(blocks) > 1 else ""
        console.print(Text(f"\n{head}{suffix}", style="bold"), Text(caption), sep="\n")
        if n == 1:
            for paragraph in table.before:
                console.print(paragraph, highlight=False, markup=False)
        rt = RichTable(header_style="bold", min_width=min(60, console.width))
        rt.add_column(Text(table.label_header), overflow="fold", min_width=min(label_width, 14), max_width=label_width)
        for j in block:
            col = table.columns[j]
            label = f"{col.group} {col.label}".strip() if col.group else col.label
            # a header's declared line break, on one line: inside a segment's name (本人確認情報|処理事業)
            # nothing, between the words of a layout's header (当事業年度 (自 …) a space, as printed
            label = label.replace("\n", "" if col.view else " ")
            rt.add_column(Text(label), justify="right" if col.numeric else "left", no_wrap=col.numeric,
                          overflow="fold", min_width=NUMBER_WIDTH if col.numeric else None)
        for row in table.rows:
            rt.add_row(Text(INDENT * row.indent + row.printed_label), *(Text(printed(row.cells[j])) for j in block),
                       style="bold" if row.bold else None)
        console.print(rt)
    for note in [*table.notes, *table.after]:
        console.print(note, highlight=False, markup=False)
    if any(isinstance(c.source, Derived) and c.source.kind == "no_budget" for r in table.rows for c in r.cells):
        console.print(Text("(予算額 and 差額 are blank where the budget gives no amount for the line, nor for "
                           "every line of its formula; they are never taken as 0)", style="dim"))
    for j in long:
        texts = [(row.label, row.cells[j].value) for row in table.rows if row.cells[j].value]
        if texts:
            console.print(f"{table.columns[j].label}:", highlight=False, markup=False)
            for label, text in texts:
                for line in str(text).splitlines():
                    console.print(f"  [{label}] {line}", highlight=False, markup=False)


def render_checks(console: Console, results: list[CheckResult], title: str = "照合 (checks)", *,
                  strict: bool = False) -> None:
    table = RichTable(title=title, header_style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("check", overflow="fold")
    table.add_column("detail", overflow="fold")
    marks = {"PASS": "[green]PASS[/]", "FAIL": "[red]FAIL[/]", "SKIP": "[yellow]SKIPPED[/]"}
    for r in results:
        table.add_row(marks[r.status], Text(r.name), Text(r.detail))  # names and details are data, never markup
    console.print(table)
    passed = sum(1 for r in results if r.passed)
    skipped = sum(1 for r in results if r.skipped)
    tail = f", {skipped} skipped" + (" (counted as failed: --strict)" if strict and skipped else "") if skipped else ""
    console.print(f"checks: {passed} passed, {len(results) - passed - skipped} failed{tail}")

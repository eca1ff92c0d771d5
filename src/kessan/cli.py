"""The `kessan` command: a thin shell over the application layer (kessan.app).

Each command parses its arguments, calls the application, and renders what it returns.
Errors are mapped to messages and exit codes in one place (``_command``).
Exit codes: 0 ok, 1 a check or reconciliation failed, 2 bad input or a refused change,
3 the database is busy.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated, ParamSpec

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from . import app as kessan
from .render import data as render_data
from .render import text as render_text
from .render.chart import trend_chart
from .report.figures import table_figures, write_csv
from .web import server as web_server

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="kessan: settlement accounting (決算) for Japanese public corporations.")
out = Console()
err = Console(stderr=True)

DbOpt = Annotated[str | None, typer.Option("--db", help="Database URL (default: KESSAN_DATABASE_URL or sqlite:///kessan.db).")]
BookOpt = Annotated[str | None, typer.Option("--book", help="Book code inside the database (default: the only book).")]
YearOpt = Annotated[int | None, typer.Option("--year", help="Fiscal year (calendar year of its April start).")]
BookDirArg = Annotated[Path | None, typer.Argument(help="Book directory (docs/book-format.md).")]
RevisionOpt = Annotated[str | None, typer.Option("--revision", help="Budget revision code (default: the latest).")]


_session: dict[str, str | None] = {"user": None}


@app.callback()
def _options(user: Annotated[str | None, typer.Option(
        "--user", envvar="KESSAN_USER", help="Who the writes are recorded as (default: KESSAN_USER, else the OS user).")]
             = None) -> None:
    """kessan: settlement accounting (決算) for Japanese public corporations."""
    _session["user"] = user


def _open(book_dir: Path | None, url: str | None, book: str | None, *,
          write: bool = True) -> AbstractContextManager[kessan.OpenBook]:
    return kessan.open_book(book_dir, url, book, actor=_session["user"], write=write)


def _error(message: str) -> None:
    err.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)


P = ParamSpec("P")


def _command(fn: Callable[P, None], name: str | None = None) -> Callable[P, None]:
    """Register a command whose AppErrors become a message and an exit code, and whose
    unexpected failures a one-line message instead of a traceback (KESSAN_DEBUG=1 shows it)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            return fn(*args, **kwargs)
        except kessan.AppError as exc:
            _error(exc.message)
            for problem in exc.problems:
                err.print(Text(f"  {problem}"), soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # the reader went away (`kessan figures | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:  # a bug: say so plainly, never a traceback
            if os.environ.get("KESSAN_DEBUG"):
                raise
            _error(f"internal error ({type(exc).__name__}: {exc}); nothing more was written. "
                   "Run again with KESSAN_DEBUG=1 for the details and report it.")
            raise typer.Exit(70) from None

    app.command(name)(run)
    return run


@_command
def load(book_dir: Annotated[Path, typer.Argument(help="Book directory.")], url: DbOpt = None) -> None:
    """Import a book directory into the database, in one transaction."""
    engine = kessan.open_database(url)
    rows = kessan.journal_rows(book_dir)
    if rows <= 50_000:
        loaded = kessan.load(engine, book_dir, actor=_session["user"])
    else:
        bar = Progress(TextColumn("loading"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} postings"),
                       TimeElapsedColumn(), console=err, transient=False)
        with bar:
            task = bar.add_task("load", total=rows)
            loaded = kessan.load(engine, book_dir, actor=_session["user"],
                                 progress=lambda done, total: bar.update(task, completed=done, total=total))
    out.print(Text(f"loaded book {loaded.book!r}: {loaded.postings:,} postings into {loaded.database}"))


@_command
def report(
    book_dir: BookDirArg = None, url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
    statement: Annotated[str | None, typer.Option("--statement", "-s", help="Statement id, title or table name.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, csv or json.")] = "text",
    segments: Annotated[bool, typer.Option(help="Also show 事業別 and per-segment tables.")] = True,
    revision: RevisionOpt = None,
) -> None:
    """Print the statements in the published order and layout."""
    if fmt not in ("text", "csv", "json"):
        raise kessan.BadInput(f"unknown format {fmt!r} (text, csv, json)")
    with _open(book_dir, url, book) as opened:
        rep = opened.report(year, revision)
        tables = opened.tables(statement, year, revision, segments)
        _state(opened, year)
    if fmt == "json":
        print(json.dumps(render_data.report_json(rep, tables), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        write_csv([f for t in tables for f in table_figures(t)], sys.stdout)
    else:
        render_text.render_report(out, rep, tables)


@_command
def figures(book_dir: BookDirArg = None, url: DbOpt = None, book: BookOpt = None, year: YearOpt = None) -> None:
    """Print every figure as CSV: table,line,column,value."""
    with _open(book_dir, url, book) as opened:
        write_csv(opened.figures(year), sys.stdout)
        _state(opened, year)


def _state(opened: kessan.OpenBook, year: int | None) -> None:
    """Say on stderr which closing state the figures are in, and warn of a 貸借対照表 that
    does not balance (stdout keeps only the figures)."""
    err.print(Text(opened.closing_state(year)), style="dim")
    if warning := opened.balance_warning(year):
        err.print(Text.assemble(("warning:", "yellow"), " ", warning), soft_wrap=True)


@_command
def reconcile(
    book_dir: BookDirArg, reference: Annotated[Path, typer.Argument(help="Published-figure CSV.")],
    url: DbOpt = None, year: YearOpt = None,
    table: Annotated[list[str] | None, typer.Option("--table", help="Only these tables (repeatable).")] = None,
    known: Annotated[Path | None, typer.Option(
        "--known", help="Documented differences CSV (default: BOOK_DIR/known_differences.csv).")] = None,
) -> None:
    """List every published figure the engine does not reproduce; exit 1 if any."""
    with _open(book_dir, url, None) as opened:
        result, known_file = opened.reconcile(reference, known, set(table) if table else None, year)
    for k, holds in result.known:
        state = "as documented" if holds else "NO LONGER AS DOCUMENTED"
        print(f"KNOWN   {k.table},{k.line},{k.column}: published {_num(k.published)}, engine {_num(k.engine)} "
              f"({state}; {known_file})")
    for m in result.mismatches:
        if not m.missing:
            delta = f" (Δ {m.actual - m.expected:,})" if isinstance(m.actual, int) and isinstance(m.expected, int) else ""
            print(f"DIFF    {m.table},{m.line},{m.column}: published {_num(m.expected)}, computed {_num(m.actual)}{delta}")
    missing_tables = set(result.tables_missing)
    for m in result.mismatches:
        if m.missing and m.table not in missing_tables:
            print(f"MISSING {m.table},{m.line},{m.column}: published {_num(m.expected)}, not produced")
    for t in result.tables_missing:
        n = sum(1 for m in result.mismatches if m.table == t)
        print(f"MISSING table {t}: {n} figures not produced yet")
    accepted = sum(1 for _, holds in result.known if holds)
    total = result.matched + len(result.mismatches) + accepted
    tail = f", {accepted} documented differences" if accepted else ""
    print(f"reconcile: {result.matched} of {total} figures match, {result.differ} differ, {result.missing} missing{tail}")
    raise typer.Exit(0 if result.ok else 1)


def _num(v: int | str | None) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


@_command
def check(book_dir: BookDirArg = None, url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
          strict: Annotated[bool, typer.Option("--strict", help="Count a SKIPPED check as failed.")] = False) -> None:
    """Run the auditor tie-outs; exit 1 if any fails (with --strict, or is SKIPPED). With
    BOOK_DIR, its registers (subledgers/) are also tied to the ledger."""
    with _open(book_dir, url, book) as opened:
        results = opened.checks(year)
        err.print(Text(opened.closing_state(year)), style="dim")
    render_text.render_checks(out, results, strict=strict)
    raise typer.Exit(1 if any(r.failed(strict) for r in results) else 0)


@_command
def verify(url: DbOpt = None, book: BookOpt = None) -> None:
    """Tamper evidence: recompute the hash chains of the posted entries and the period events,
    re-derive the balance aggregate and the period states; exit 1 naming the first broken link."""
    with _open(None, url, book) as opened:
        results = opened.verify()
    render_text.render_checks(out, results, title="検証 (verify)")
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


@_command
def chart(
    book_dir: BookDirArg = None, out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
) -> None:
    """Write the 事業別決算額の推移 chart (stacked bars by segment) as PNG and SVG."""
    with _open(book_dir, url, book) as opened:
        tables = opened.trend_tables(year)
    if not tables:
        raise kessan.BadInput('the book has no trend layout (kind = "trend")')
    for table in tables:
        for path in trend_chart(table, out_dir, table.statement):
            out.print(Text(f"wrote {path}"))


@_command
def publish(
    book_dir: BookDirArg = None, out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: xlsx, pdf, html.")] = "xlsx,pdf,html",
    spec: Annotated[Path | None, typer.Option("--spec", help="Package structure (default: BOOK_DIR/publish.toml).")] = None,
    url: DbOpt = None, book: BookOpt = None, year: YearOpt = None, revision: RevisionOpt = None,
) -> None:
    """Write the settlement package (Excel, PDF, HTML site) in the published order and layout."""
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    with _open(book_dir, url, book) as opened:
        written = opened.publish(out_dir, formats, spec, year, revision)
    for path in written:
        out.print(Text(f"wrote {path}"))


@_command
def close(
    book_dir: BookDirArg = None, year: YearOpt = None, url: DbOpt = None, book: BookOpt = None,
    subledger_dir: Annotated[Path | None, typer.Option(
        "--subledgers", help="Book directory holding subledgers/ (default: BOOK_DIR).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the batch, post nothing.")] = False,
    step: Annotated[list[str] | None, typer.Option("--step", help="Only these steps (repeatable).")] = None,
) -> None:
    """決算整理: compute the closing entries from the sub-ledgers and post them as kind=closing.

    Re-running replaces the batch of a changed step (reversal + new version) and posts nothing
    for an unchanged one, so a batch is never duplicated. A CLOSED year is refused.
    """
    if book_dir is not None and url is None:
        raise kessan.BadInput("close posts entries: name the database with --db (or KESSAN_DATABASE_URL)")
    with _open(book_dir, url, book, write=not dry_run) as opened:  # a dry run writes nothing anywhere
        steps = set(step) if step else None
        plans = opened.closing_plan(year, steps, subledger_dir)
        for p in plans:
            state = "unchanged" if p.unchanged else f"v{p.version}: {len(p.proposed)} entries" + (
                f", replacing {len(p.previous)}" if p.previous else "")
            out.print(Text(f"{p.step:24} {state}"))
            if dry_run and not p.unchanged:
                for e in p.proposed:
                    out.print(Text(f"  {e.id} {e.date} {e.memo}"))
                    for ps in e.postings:
                        out.print(Text(f"      {ps.segment:18} {ps.account:6} {ps.amount:>18,} {ps.flow or ''}"))
        if dry_run:
            out.print("dry run: nothing posted")
            return
        done = opened.close(year, steps, subledger_dir)
    out.print(f"posted {done.posted} closing entries, {done.reversed} reversals of an earlier run")


@_command
def period(
    action: Annotated[str, typer.Argument(help="adjust (OPEN→ADJUSTING), close (ADJUSTING→CLOSED), reopen, or show.")],
    year: YearOpt = None, reason: Annotated[str, typer.Option("--reason", help="Why (required to reopen).")] = "",
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """Change or show the period state of a fiscal year; every change is recorded."""
    with _open(None, url, book) as opened:
        if action == "show":
            for fy in opened.book.fiscal_years:
                out.print(Text(f"{fy.year} {fy.label}: {fy.state}"))
            for e in opened.period_history():
                out.print(Text(f"  {e.at:%Y-%m-%d %H:%M} {e.year}: {e.before} → {e.after}  {e.reason}"))
            return
        if year is None:
            raise kessan.BadInput("--year is required")
        change = opened.set_period(year, action, reason)
    out.print(f"fiscal year {change.year}: {change.before} → {change.after}")


@_command
def reverse(
    entry: Annotated[str, typer.Argument(help="Id of the entry to reverse.")],
    new_id: Annotated[str, typer.Option("--id", help="Id of the reversing entry.")],
    date: Annotated[str, typer.Option("--date", help="Date of the reversing entry, YYYY-MM-DD.")],
    memo: Annotated[str | None, typer.Option("--memo")] = None,
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """Post the reversing entry (反対仕訳) of a posted entry; posted entries never change."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise kessan.BadInput(f"--date {date!r}: not a date (write YYYY-MM-DD)") from None
    with _open(None, url, book) as opened:
        rev = opened.reverse(entry, new_id, day, memo)
    out.print(Text(f"posted {rev.id}: reverses {entry} ({len(rev.postings)} postings)"))


@_command
def log(
    since: Annotated[str | None, typer.Option("--since", help="From this day or moment on (YYYY-MM-DD[THH:MM]).")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only what this user did.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="load, post, close, reverse, period, publish or import.")] = None,
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """The audit trail: who loaded, posted, closed, reversed, changed a period or published, and when."""
    try:
        start = dt.datetime.fromisoformat(since) if since else None
    except ValueError:
        raise kessan.BadInput(f"--since {since!r}: not a day or moment (write 2021-05-31 or 2021-05-31T09:00)") from None
    if start is not None and start.tzinfo is None:
        start = start.astimezone()  # the local time of the user, compared as an instant
    with _open(None, url, book) as opened:
        events = opened.log(start, actor, kind)
    for e in events:
        entries = f" [entries {e.first_entry}–{e.last_entry}]" if e.first_entry is not None else ""
        at = e.at.astimezone() if e.at.tzinfo else e.at
        out.print(Text(f"{at:%Y-%m-%d %H:%M:%S} {e.actor:<16} {e.kind:<8} {e.detail}{entries}"), soft_wrap=True)
    out.print(Text(f"{len(events)} event(s)"))


@functools.partial(_command, name="import")
def import_file(
    file: Annotated[Path, typer.Argument(help="The journal to import.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="yayoi, freee, moneyforward, xlsx or csv.")],
    mapping: Annotated[Path, typer.Option("--mapping", help="Mapping file (docs/import.md).")],
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """Import another system's journal into a stored book, in one transaction (docs/import.md)."""
    with _open(None, url, book) as opened:
        done = opened.import_file(file, fmt, mapping)
    skipped = f"; {done.skipped} 伝票 skipped by [settlement]" if done.skipped else ""
    out.print(Text(f"imported {done.entries:,} entries ({done.postings:,} postings) from {done.file}: "
                   f"{done.first} … {done.last}{skipped}"))


@_command
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="yayoi, beancount, ledger or csv.")],
    year: YearOpt = None, url: DbOpt = None, book: BookOpt = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Output file (default: standard output).")] = None,
    mapping_out: Annotated[Path | None, typer.Option(
        "--mapping-out", help="yayoi: also write the mapping that imports the file back.")] = None,
) -> None:
    """Write a year's journal for another tool: 弥生 (Shift_JIS), beancount, ledger/hledger or CSV."""
    with _open(None, url, book) as opened:
        done = opened.export(fmt, year)
    if mapping_out is not None:
        if done.mapping is None:
            raise kessan.BadInput(f"--mapping-out: only the yayoi export has a mapping, not {fmt}")
        kessan.write_file(done.mapping.encode("utf-8"), mapping_out)
    if out_file is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(done.data)
        sys.stdout.buffer.flush()
        return
    kessan.write_file(done.data, out_file)
    err.print(Text(f"wrote {done.entries:,} entries to {out_file}"))


# -- the journal behind the figures (app/journal.py)


def _posting_lines(page: kessan.PostingPage) -> None:
    for r in page.rows:
        extra = "".join(f" {k}={v}" for k, v in (("flow", r.flow), ("partner", r.partner)) if v)
        out.print(Text(f"{r.date} {r.entry_id:<14} {r.account} {r.account_name:<16} {r.segment:<10} {r.amount:>18,}"
                       f"  {r.memo}{extra}"), soft_wrap=True)
    out.print(Text(f"page {page.page} of {page.pages}: {len(page.rows)} of {page.count:,} posting(s), "
                   f"total {page.total_yen or 0:,}"))


@_command
def drilldown(
    figure: Annotated[str, typer.Argument(help="The figure: table|line|column, e.g. '貸借対照表|現金及び預金|金額'.")],
    page: Annotated[int, typer.Option("--page")] = 1, per_page: Annotated[int, typer.Option("--per-page")] = 50,
    url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
) -> None:
    """The postings behind a figure (their total is the figure), or the figures it is made of."""
    with _open(None, url, book) as opened:
        found = opened.drilldown(figure, page=page, per_page=per_page, year=year)
    out.print(Text(f"{found.figure}: {found.kind}, {found.yen if found.yen is not None else '-'} ({found.detail})"),
              soft_wrap=True)
    for t in found.terms:
        out.print(Text(f"  {'+' if t.sign > 0 else '-'} {t.label}: {t.yen if t.yen is not None else '-'}"), soft_wrap=True)
    if found.kind == "postings":
        _posting_lines(found)


def _day(option: str, text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise kessan.BadInput(f"{option} {text!r}: not a date (write YYYY-MM-DD)") from None


@_command
def search(
    date_from: Annotated[str | None, typer.Option("--from", help="From this day, YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="To this day, YYYY-MM-DD.")] = None,
    amount_min: Annotated[int | None, typer.Option("--min", help="Smallest amount (by magnitude).")] = None,
    amount_max: Annotated[int | None, typer.Option("--max", help="Largest amount (by magnitude).")] = None,
    account: Annotated[str | None, typer.Option("--account")] = None,
    segment: Annotated[str | None, typer.Option("--segment")] = None,
    memo: Annotated[str | None, typer.Option("--memo", help="A part of the memo (case ignored).")] = None,
    page: Annotated[int, typer.Option("--page")] = 1, per_page: Annotated[int, typer.Option("--per-page")] = 50,
    as_csv: Annotated[bool, typer.Option("--csv", help="Every matching posting as CSV on standard output.")] = False,
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """Search the journal (電子帳簿保存法): date range, amount range, account, segment, memo, combined."""
    query = kessan.JournalQuery(_day("--from", date_from), _day("--to", date_to), amount_min, amount_max, account,
                                segment, memo)
    with _open(None, url, book) as opened:
        if as_csv:
            sys.stdout.write(opened.search_csv(query))
            return
        found = opened.search(query, page=page, per_page=per_page)
    _posting_lines(found)


@_command
def user(
    action: Annotated[str, typer.Argument(help="add, list, role, disable, enable or password.")],
    name: Annotated[str | None, typer.Argument(help="The user's login name.")] = None,
    role: Annotated[str | None, typer.Option("--role", help="clerk (会計担当), approver (承認者), closer (決算責任者), "
                                             "auditor (監事・監査), viewer (閲覧) or admin (管理者).")] = None,
    url: DbOpt = None,
) -> None:
    """Users of the web application (kessan serve). The password of add and password comes from
    KESSAN_PASSWORD, else a prompt; it is stored as an argon2 hash only."""
    engine = kessan.open_database(url)
    actor = _session["user"] or kessan.default_actor()
    users = kessan.users
    if action == "list":
        for u in users.users(engine):
            out.print(Text(f"{u.name:<16} {u.role:<9} {u.role_name:<6} {'disabled' if u.disabled else 'active':<8} "
                           f"created {u.created_at:%Y-%m-%d} by {u.created_by}"))
        return
    if not name:
        raise kessan.BadInput(f"user {action}: name the user")
    if action in ("add", "password"):
        password = os.environ.get("KESSAN_PASSWORD") or typer.prompt(f"password for {name}", hide_input=True,
                                                                      confirmation_prompt=True)
        if action == "add":
            if not role:
                raise kessan.BadInput("user add: give --role")
            done = users.add_user(engine, name, role, password, actor=actor)
        else:
            done = users.set_password(engine, name, password, actor=actor)
    elif action == "role" and role:
        done = users.set_role(engine, name, role, actor=actor)
    elif action in ("disable", "enable"):
        done = users.set_disabled(engine, name, action == "disable", actor=actor)
    else:
        raise kessan.BadInput(f"unknown action {action!r} (add NAME --role ROLE, list, role NAME --role ROLE, "
                              "disable NAME, enable NAME, password NAME)")
    out.print(Text(f"user {done.name}: {done.role} ({done.role_name}){', disabled' if done.disabled else ''}"))


@_command
def serve(
    book_dir: Annotated[Path | None, typer.Argument(
        help="Book directory: its registers (closing) and publish.toml (package); loaded into --db if not yet.")] = None,
    url: DbOpt = None, book: BookOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on (1-65535).")] = 8000,
) -> None:
    """The books as a web application (log in with a user of `kessan user add`)."""
    out.print(Text(f"kessan serve: http://{host}:{port}/ (Ctrl-C stops)"))
    web_server.serve(book_dir, url, book, host=host, port=port)


if __name__ == "__main__":  # pragma: no cover
    app()


@_command
def init(book_dir: Annotated[Path, typer.Argument(help="The new book directory (must not exist, or be empty).")],
         template: Annotated[str, typer.Option("--template", help="minimal | public-corporation.")] = "minimal") -> None:
    """Create a new organisation's book directory from a template (docs/new-organisation.md)."""
    made = kessan.init_book(book_dir, template)
    out.print(Text(f"created {made.path} from the template {made.template!r} ({len(made.files)} files):"), soft_wrap=True)
    for name in made.files:
        out.print(Text(f"  {name}"), soft_wrap=True)
    out.print(Text(f"next: kessan check {made.path}   (then load, close, report, publish)"), soft_wrap=True)

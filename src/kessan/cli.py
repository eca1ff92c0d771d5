"""The `kessan` command. Exit codes: 0 ok, 1 a check or reconciliation failed, 2 bad input."""

from __future__ import annotations

import datetime as dt
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import checks as checks_mod
from . import figures as figures_mod
from .io import reader
from .io.budget import read_budget
from .io.history import read_history
from .closing.subledgers import read_subledgers, register_inputs
from .io.inputs import read_inputs
from .ledger.errors import BookError, InputError, LedgerViolation
from .render import data as render_data
from .render import text as render_text
from .statements.engine import StatementSet
from .statements.budget_report import budget_problems
from .statements.layout import parse_layouts
from .statements.text import render as render_policy_text
from .statements.text import text_layouts, text_problems
from .store import budget as store_budget
from .store import inputs as store_inputs
from .store import db, repo

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="kessan: settlement accounting (決算) for Japanese public corporations.")
out = Console()
err = Console(stderr=True)

DbOpt = Annotated[Optional[str], typer.Option("--db", help="Database URL (default: KESSAN_DATABASE_URL or sqlite:///kessan.db).")]
BookOpt = Annotated[Optional[str], typer.Option("--book", help="Book code inside the database (default: the only book).")]
YearOpt = Annotated[Optional[int], typer.Option("--year", help="Fiscal year (calendar year of its April start).")]
BookDirArg = Annotated[Optional[Path], typer.Argument(help="Book directory (docs/book-format.md).")]


def _fail_input(exc: BookError) -> None:
    err.print(f"[red]error:[/] the book was not loaded ({len(exc.errors)} problem(s)); the database is unchanged")
    for e in exc.errors:
        err.print(f"  {e}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _count_rows(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1
    except FileNotFoundError:
        return 0


def load_dir(engine: sa.Engine, book_dir: Path, show_progress: bool = True) -> tuple[str, int]:
    """Read, validate and store a book directory in one transaction."""
    book = reader.read_book(book_dir)
    layouts = parse_layouts(book.layouts, book.chart)  # a bad layout is bad input too
    years = {fy.year for fy in book.fiscal_years}
    budget = read_budget(book_dir, book.chart, years)
    if budget is not None and (problems := budget_problems(budget, layouts, book.chart.segments)):
        raise BookError(problems)
    history = read_history(book_dir, book.chart)
    if problems := text_problems(text_layouts(book.layouts), book.settings.get("policies", {})):
        raise BookError(problems)
    inputs = read_inputs(book_dir, years) + register_inputs(read_subledgers(book_dir, book.chart), book.fiscal_years)
    keys = {key for lay in layouts for ln in lay.lines for _, key in ln.role_inputs}
    if unknown := sorted(keys - {v.key for v in inputs}):
        raise BookError([InputError("inputs.toml", None, "key", f"layouts use input {k!r}, which inputs.toml does not give")
                         for k in unknown])

    def extra(conn, ids) -> None:
        store_inputs.insert_inputs(conn, ids.book_id, inputs)
        if budget is not None:
            store_budget.insert_budget(conn, ids.book_id, ids.segments, budget)
        store_budget.insert_history(conn, ids.book_id, ids.segments, history)
    errors = reader._Errors()
    opening = reader.read_opening(book_dir, book, errors)
    entries = ([opening] if opening else [])
    rows = _count_rows(book_dir / "journal.csv") if show_progress else 0

    def stream():
        yield from entries
        yield from reader.iter_journal(book_dir, book, errors)

    progress = None
    if show_progress and rows > 50_000:
        progress = Progress(TextColumn("loading {task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} postings"),
                            TimeElapsedColumn(), console=err, transient=False)
    if progress:
        with progress:
            task = progress.add_task(book.code, total=rows + len(opening.postings if opening else ()))
            n = repo.load_book(engine, book, stream(), progress=lambda c: progress.update(task, completed=c),
                               check=errors.raise_if_any, extra=extra)
    else:
        n = repo.load_book(engine, book, stream(), check=errors.raise_if_any, extra=extra)
    return book.code, n


def closing_plans(engine: sa.Engine, code: str, source: Path | None, year: int | None = None,
                  only: set[str] | None = None):
    """The 決算整理 batch of ``year`` (default: the report year) from the registers in
    ``source``/subledgers (none without a source), compared with what earlier runs posted."""
    from .closing import post as closing_post
    from .closing.subledgers import Subledgers, read_subledgers

    with engine.connect() as conn:
        stored = repo.load_stored_book(conn, code)
    subs = read_subledgers(source, stored.chart) if source else Subledgers()
    return closing_post.plan(engine, code, year or stored.report_year, subs, only)


def close_year(engine: sa.Engine, code: str, book_dir: Path, year: int | None = None) -> tuple[int, int]:
    """Run the 決算整理 of ``year`` (default: the report year) from BOOK_DIR's sub-ledgers and
    post what changed. Returns (reversals, entries posted); idempotent."""
    from .closing import post as closing_post

    return closing_post.post(engine, code, closing_plans(engine, code, book_dir, year))


def load_and_close(engine: sa.Engine, book_dir: Path) -> str:
    """A book directory as its users mean it: the books, closed (決算整理) for the report year."""
    code, _ = load_dir(engine, book_dir, show_progress=False)
    close_year(engine, code, book_dir)
    return code


@contextmanager
def _source(book_dir: Path | None, url: str | None, book_code: str | None):
    """Yield (engine, book code): an in-memory load of BOOK_DIR, or a stored book."""
    try:
        if book_dir is not None and url is None:
            engine = db.memory_engine()
            db.upgrade(engine)
            yield engine, load_and_close(engine, book_dir)
            return
        engine = db.make_engine(url)
        db.upgrade(engine)
        if book_dir is not None:
            code = reader.read_book(book_dir).code
            if code not in repo.book_codes(engine):
                load_dir(engine, book_dir)
            yield engine, code
            return
        codes = repo.book_codes(engine)
        if book_code is None:
            if len(codes) != 1:
                err.print(f"[red]error:[/] the database holds {len(codes)} books; name one with --book ({', '.join(codes)})")
                raise typer.Exit(2)
            book_code = codes[0]
        yield engine, book_code
    except BookError as exc:
        _fail_input(exc)
    except LedgerViolation as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2)
    except sa.exc.DBAPIError as exc:  # a database guarantee (immutability, period lock) refused the write
        err.print(f"[red]error:[/] the database refused the change: {exc.orig}", markup=False)
        raise typer.Exit(2)


def statements(engine: sa.Engine, code: str, year: int | None, revision: str | None = None) -> tuple[StatementSet, sa.Connection]:
    conn = engine.connect()
    book = repo.load_stored_book(conn, code)
    year = year or book.report_year
    book_id = repo._book_id(conn, code)
    budget = store_budget.read_budget(conn, book_id)
    history = store_budget.read_history(conn, book_id)
    try:
        ss = StatementSet.build(book, year, repo.cube(conn, code, year), budget if budget.revisions else None,
                                revision, history)
        ss.inputs = store_inputs.read_inputs(conn, book_id, year)
    except KeyError as exc:
        conn.close()
        err.print(f"[red]error:[/] {exc.args[0]}")
        raise typer.Exit(2)
    return ss, conn


@app.command()
def load(book_dir: Annotated[Path, typer.Argument(help="Book directory.")], url: DbOpt = None) -> None:
    """Import a book directory into the database, in one transaction."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    try:
        code, n = load_dir(engine, book_dir)
    except BookError as exc:
        _fail_input(exc)
    except sa.exc.DBAPIError as exc:
        err.print(f"[red]error:[/] the database refused the book, nothing was written: {exc.orig}", markup=False)
        raise typer.Exit(2)
    out.print(f"loaded book {code!r}: {n:,} postings into {engine.url.render_as_string(hide_password=True)}")


def _select_layouts(ss: StatementSet, name: str | None):
    layouts = ss.ordered()
    if not name:
        return layouts
    chosen = [lay for lay in layouts if name in (lay.id, lay.title, lay.table, lay.segment_table)]
    if not chosen and (name in ("trend", "推移") or any(name in (t.id, t.title) for t in text_layouts(ss.book.layouts))):
        return []
    if not chosen:
        names = ", ".join(f"{lay.id} ({lay.title})" for lay in layouts)
        err.print(f"[red]error:[/] no statement {name!r}; choose one of: {names}")
        raise typer.Exit(2)
    return chosen


@app.command()
def report(
    book_dir: BookDirArg = None, url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
    statement: Annotated[Optional[str], typer.Option("--statement", "-s", help="Statement id, title or table name.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, csv or json.")] = "text",
    segments: Annotated[bool, typer.Option(help="Also show 事業別 tables.")] = True,
    revision: Annotated[Optional[str], typer.Option("--revision", help="Budget revision code (default: the latest).")] = None,
) -> None:
    """Print the statements in the published order and layout."""
    with _source(book_dir, url, book) as (engine, code):
        ss, conn = statements(engine, code, year, revision)
        with conn:
            layouts = _select_layouts(ss, statement)
            if fmt == "json":
                docs = []
                for lay in layouts:
                    if lay.entity:
                        docs.append(render_data.statement_json(ss, lay, False))
                    if segments and lay.segment_table:
                        docs.append(render_data.statement_json(ss, lay, True))
                print(json.dumps({"book": ss.book.code, "year": ss.year, "statements": docs}, ensure_ascii=False, indent=1))
            elif fmt == "csv":
                tables = {t for lay in layouts for t in (lay.table, lay.segment_table if segments else None) if t}
                figures_mod.write_csv([f for f in figures_mod.figures(ss) if f.table in tables], sys.stdout)
            elif fmt == "text":
                for lay in layouts:
                    if lay.budget:
                        if lay.entity:
                            render_text.render_budget(out, ss, lay)
                        if segments and lay.per_segment_tables:
                            for seg in ss.segment_codes:
                                render_text.render_budget(out, ss, lay, seg)
                        continue
                    if lay.entity:
                        render_text.render_statement(out, ss, lay, segments=False)
                    if segments and lay.segment_table:
                        render_text.render_statement(out, ss, lay, segments=True)
                if not statement or statement in ("trend", "推移"):
                    for table in figures_mod.trend_tables(ss):
                        render_text.render_trend(out, table)
                for tl in text_layouts(ss.book.layouts):
                    if not statement or statement in (tl.id, tl.title):
                        out.print(f"\n{tl.title}\n", style="bold")
                        out.print(render_policy_text(tl, ss.book.settings.get("policies", {})), highlight=False, markup=False)
            else:
                err.print(f"[red]error:[/] unknown format {fmt!r} (text, csv, json)")
                raise typer.Exit(2)


@app.command()
def figures(book_dir: BookDirArg = None, url: DbOpt = None, book: BookOpt = None, year: YearOpt = None) -> None:
    """Print every figure as CSV: table,line,column,value."""
    with _source(book_dir, url, book) as (engine, code):
        ss, conn = statements(engine, code, year)
        with conn:
            figures_mod.write_csv(figures_mod.figures(ss), sys.stdout)


@app.command()
def reconcile(
    book_dir: BookDirArg, reference: Annotated[Path, typer.Argument(help="Published-figure CSV.")],
    url: DbOpt = None, year: YearOpt = None,
    table: Annotated[Optional[list[str]], typer.Option("--table", help="Only these tables (repeatable).")] = None,
    known: Annotated[Optional[Path], typer.Option("--known", help="Documented differences CSV (default: BOOK_DIR/known_differences.csv).")] = None,
) -> None:
    """List every published figure the engine does not reproduce; exit 1 if any."""
    with _source(book_dir, url, None) as (engine, code):
        ss, conn = statements(engine, code, year)
        with conn:
            produced = figures_mod.figures(ss)
    ref = figures_mod.read_reference(reference)
    known_file = known or (book_dir / "known_differences.csv" if book_dir and (book_dir / "known_differences.csv").exists() else None)
    known_list = figures_mod.read_known(known_file) if known_file else []
    result = figures_mod.reconcile(produced, ref, set(table) if table else None, known_list)
    for k, holds in result.known:
        state = "as documented" if holds else "NO LONGER AS DOCUMENTED"
        print(f"KNOWN   {k.table},{k.line},{k.column}: published {_num(k.published)}, engine {_num(k.engine)} ({state}; {known_file})")
    for m in result.mismatches:
        if m.missing:
            continue
        delta = f" (Δ {m.actual - m.expected:,})" if isinstance(m.actual, int) and isinstance(m.expected, int) else ""
        print(f"DIFF    {m.table},{m.line},{m.column}: published {_num(m.expected)}, computed {_num(m.actual)}{delta}")
    missing_tables = set(result.tables_missing)
    for m in result.mismatches:
        if m.missing and m.table not in missing_tables:
            print(f"MISSING {m.table},{m.line},{m.column}: published {_num(m.expected)}, not produced")
    if missing_tables:
        counts = {}
        for m in result.mismatches:
            if m.table in missing_tables:
                counts[m.table] = counts.get(m.table, 0) + 1
        for t in result.tables_missing:
            print(f"MISSING table {t}: {counts.get(t, 0)} figures not produced yet")
    accepted = sum(1 for _, holds in result.known if holds)
    total = result.matched + len(result.mismatches) + accepted
    tail = f", {accepted} documented differences" if accepted else ""
    print(f"reconcile: {result.matched} of {total} figures match, {result.differ} differ, {result.missing} missing{tail}")
    raise typer.Exit(0 if result.ok else 1)


def _num(v) -> str:
    return f"{v:,}" if isinstance(v, int) else str(v)


@app.command()
def check(book_dir: BookDirArg = None, url: DbOpt = None, book: BookOpt = None, year: YearOpt = None) -> None:
    """Run the auditor tie-outs; exit 1 if any fails. With BOOK_DIR, its registers
    (subledgers/) are also tied to the ledger."""
    from .closing.subledgers import read_subledgers
    from .closing.tieout import register_ties

    with _source(book_dir, url, book) as (engine, code):
        ss, conn = statements(engine, code, year)
        with conn:
            results = checks_mod.run_checks(ss, conn)
        if book_dir is not None:
            results += register_ties(ss.book, ss.year, ss.cells, read_subledgers(book_dir, ss.book.chart))
    render_text.render_checks(out, results)
    raise typer.Exit(0 if all(r.passed for r in results) else 1)


@app.command()
def chart(
    book_dir: BookDirArg = None, out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
) -> None:
    """Write the 事業別決算額の推移 chart (stacked bars by segment) as PNG and SVG."""
    from .render.chart import trend_chart

    with _source(book_dir, url, book) as (engine, code):
        ss, conn = statements(engine, code, year)
        with conn:
            tables = figures_mod.trend_tables(ss)
    if not tables:
        err.print("[red]error:[/] the book has no trend layout (kind = \"trend\")")
        raise typer.Exit(2)
    for table in tables:
        for path in trend_chart(table, out_dir, table.layout.id):
            out.print(f"wrote {path}")


@app.command()
def publish(
    book_dir: BookDirArg = None, out_dir: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: xlsx, pdf, html.")] = "xlsx,pdf,html",
    spec: Annotated[Optional[Path], typer.Option("--spec", help="Package structure (default: BOOK_DIR/publish.toml).")] = None,
    url: DbOpt = None, book: BookOpt = None, year: YearOpt = None,
    revision: Annotated[Optional[str], typer.Option("--revision", help="Budget revision code (default: the latest).")] = None,
) -> None:
    """Write the settlement package (Excel, PDF, HTML site) in the published order and layout."""
    from . import publish as publish_mod

    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    if not formats or (bad := [f for f in formats if f not in publish_mod.FORMATS]):
        err.print(f"[red]error:[/] unknown format {', '.join(bad) if formats else fmt!r} (choose from {', '.join(publish_mod.FORMATS)})")
        raise typer.Exit(2)
    spec_file = spec or (book_dir / "publish.toml" if book_dir else None)
    if spec_file is None:
        err.print("[red]error:[/] name BOOK_DIR (holding publish.toml) or --spec")
        raise typer.Exit(2)
    try:
        structure = publish_mod.read_spec(spec_file)
        with _source(book_dir, url, book) as (engine, code):
            ss, conn = statements(engine, code, year, revision)
            with conn:
                written = publish_mod.publish(ss, structure, out_dir, formats)
    except BookError as exc:
        err.print(f"[red]error:[/] the package was not written ({len(exc.errors)} problem(s) in {spec_file})")
        for e in exc.errors:
            err.print(f"  {e}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    except RuntimeError as exc:  # the PDF could not be laid out (a font package missing, a Typst error)
        err.print(f"[red]error:[/] {exc}", markup=False)
        raise typer.Exit(2)
    for path in written:
        out.print(f"wrote {path}")


@app.command()
def close(
    book_dir: BookDirArg = None, year: YearOpt = None, url: DbOpt = None, book: BookOpt = None,
    subledger_dir: Annotated[Optional[Path], typer.Option("--subledgers", help="Book directory holding subledgers/ (default: BOOK_DIR).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the batch, post nothing.")] = False,
    step: Annotated[Optional[list[str]], typer.Option("--step", help="Only these steps (repeatable).")] = None,
) -> None:
    """決算整理: compute the closing entries from the sub-ledgers and post them as kind=closing.

    Re-running replaces the batch of a changed step (reversal + new version) and posts nothing
    for an unchanged one, so a batch is never duplicated. A CLOSED year is refused.
    """
    from .closing import post as closing_post

    if book_dir is not None and url is None:
        err.print("[red]error:[/] close posts entries: name the database with --db (or KESSAN_DATABASE_URL)")
        raise typer.Exit(2)
    with _source(book_dir, url, book) as (engine, code):
        plans = closing_plans(engine, code, subledger_dir or book_dir, year, set(step) if step else None)
        for p in plans:
            state = "unchanged" if p.unchanged else f"v{p.version}: {len(p.proposed)} entries" + (
                f", replacing {len(p.previous)}" if p.previous else "")
            out.print(f"{p.step:24} {state}")
            if dry_run and not p.unchanged:
                for e in p.proposed:
                    out.print(f"  {e.id} {e.date} {e.memo}", highlight=False, markup=False)
                    for ps in e.postings:
                        out.print(f"      {ps.segment:18} {ps.account:6} {ps.amount:>18,} {ps.flow or ''}", highlight=False)
        if dry_run:
            out.print("dry run: nothing posted")
            return
        n_rev, n_new = closing_post.post(engine, code, plans)
        out.print(f"posted {n_new} closing entries, {n_rev} reversals of an earlier run")


@app.command()
def period(
    action: Annotated[str, typer.Argument(help="adjust (OPEN→ADJUSTING), close (ADJUSTING→CLOSED), reopen, or show.")],
    year: YearOpt = None, reason: Annotated[str, typer.Option("--reason", help="Why (required to reopen).")] = "",
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """Change or show the period state of a fiscal year; every change is recorded."""
    from .store import periods

    with _source(None, url, book) as (engine, code):
        if action == "show":
            with engine.connect() as conn:
                for fy in repo.load_stored_book(conn, code).fiscal_years:
                    out.print(f"{fy.year} {fy.label}: {fy.state}")
            for y, a, b, why, at in periods.history(engine, code):
                out.print(f"  {at:%Y-%m-%d %H:%M} {y}: {a} → {b}  {why}")
            return
        if year is None:
            err.print("[red]error:[/] --year is required")
            raise typer.Exit(2)
        targets = {"adjust": "ADJUSTING", "close": "CLOSED"}
        try:
            if action == "reopen":
                with engine.connect() as conn:
                    current = repo.load_stored_book(conn, code).fiscal_year(year).state
                to = "ADJUSTING" if current == "CLOSED" else "OPEN"
            elif action in targets:
                to = targets[action]
            else:
                err.print(f"[red]error:[/] unknown action {action!r} (adjust, close, reopen, show)")
                raise typer.Exit(2)
            before = periods.set_state(engine, code, year, to, reason)
        except KeyError:
            err.print(f"[red]error:[/] no fiscal year {year}")
            raise typer.Exit(2)
        out.print(f"fiscal year {year}: {before} → {to}")


@app.command()
def reverse(
    entry: Annotated[str, typer.Argument(help="Id of the entry to reverse.")],
    new_id: Annotated[str, typer.Option("--id", help="Id of the reversing entry.")],
    date: Annotated[str, typer.Option("--date", help="Date of the reversing entry, YYYY-MM-DD.")],
    memo: Annotated[Optional[str], typer.Option("--memo")] = None,
    url: DbOpt = None, book: BookOpt = None,
) -> None:
    """Post the reversing entry (反対仕訳) of a posted entry; posted entries never change."""
    with _source(None, url, book) as (engine, code):
        try:
            rev = repo.reverse_entry(engine, code, entry, new_id, dt.date.fromisoformat(date), memo)
        except BookError as exc:
            _fail_input(exc)
        except ValueError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2)
    out.print(f"posted {rev.id}: reverses {entry} ({len(rev.postings)} postings)")


if __name__ == "__main__":  # pragma: no cover
    app()

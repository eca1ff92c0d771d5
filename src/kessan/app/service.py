"""The application layer: the one door through which every face (CLI, web, bench, tests)
reaches kessan. Plain functions and one object per opened book; they return values and raise
``AppError``s (app/errors.py), and never print, exit or know about Typer.

    with open_book(book_dir=..., url=...) as book:      # a directory (in memory) or a database
        report = book.report()                           # built once per book, year and revision
        results = book.checks()
        book.publish(out_dir, ("xlsx", "pdf", "html"))

Work is done once per opened book: the layouts are parsed once, the statements and the
report model are built once per (year, revision), the registers are read once with the
directory.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from .. import checks as checks_mod
from ..closing import batch as closing_batch
from ..closing.tieout import register_ties
from ..io import reader
from ..io.files import Problems
from ..io.subledgers import read_subledgers
from ..ledger.errors import InputError
from ..ledger.model import Book, CheckResult, Entry
from ..ledger.subledgers import Subledgers
from ..publish import FORMATS, Package, PublishError, build_package, publish, read_spec
from ..publish.spec import PublishSpec
from ..report import build_report, figures
from ..report.figures import Figure, Reconciliation, read_known, read_reference, reconcile
from ..report.model import Report, Table
from ..statements.engine import StatementSet
from ..statements.layout import BookLayouts, parse_book_layouts
from ..store import audit, db, periods, repo, verify
from ..store import budget as store_budget
from ..store import inputs as store_inputs
from ..store.verify import AggregateDifferences
from .approvals import DraftServices
from .book_dir import BookDir, read_book_dir
from .errors import BadInput, NotFound, Refused, Unavailable, translated
from .journal import JournalServices

Progress = Callable[[int, int], None]  # (postings written, postings expected)
T = TypeVar("T")


@dataclass(frozen=True)
class Loaded:
    book: str
    postings: int
    database: str


@dataclass(frozen=True)
class Closed:
    reversed: int
    posted: int


@dataclass(frozen=True)
class PeriodChange:
    year: int
    before: str
    after: str


@dataclass(frozen=True)
class PeriodEvent:
    year: int
    before: str
    after: str
    reason: str
    at: dt.datetime


# -- who does it


def default_actor() -> str:
    """Who a write is recorded as: KESSAN_USER, else the operating-system user."""
    if user := os.environ.get("KESSAN_USER", "").strip():
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no user name to be had: say so rather than record nobody
        raise BadInput("cannot tell who you are: give --user NAME or set KESSAN_USER") from exc


# -- databases and loading


def open_database(url: str | None = None) -> sa.Engine:
    """The database at ``url`` (default: KESSAN_DATABASE_URL or the SQLite file), migrated."""
    with translated("opening the database"):
        try:
            engine = db.make_engine(url)
        except ValueError as exc:  # a setting of the environment, such as KESSAN_BUSY_TIMEOUT
            raise BadInput(str(exc)) from exc
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise BadInput(f"not a database URL kessan can open: {db.database_url(url)!r} ({exc}); "
                           "use sqlite:///FILE or postgresql+psycopg://USER@HOST/DB") from exc
        db.upgrade(engine)
        return engine


def database_name(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def load(engine: sa.Engine, book_dir: Path, progress: Progress | None = None,
         source: BookDir | None = None, actor: str | None = None) -> Loaded:
    """Read, validate and store a book directory in one transaction; nothing is written on error."""
    who = actor or default_actor()
    with translated(f"the book {book_dir} was not loaded"):
        src = source or read_book_dir(book_dir)
        return _store(engine, src, progress, who)


def _store(engine: sa.Engine, src: BookDir, progress: Progress | None, actor: str) -> Loaded:
    book = src.book

    def extra(conn: sa.Connection, ids: repo.Ids) -> None:
        audit.record(conn, ids.book_id, audit.Event(actor, "load", f"loaded book {book.code!r} from {src.path}"))
        store_inputs.insert_inputs(conn, ids.book_id, list(src.inputs))
        if src.budget is not None:
            store_budget.insert_budget(conn, ids.book_id, ids.segments, src.budget)
        store_budget.insert_history(conn, ids.book_id, ids.segments, src.history)

    errors = Problems()
    opening = reader.read_opening(src.path, book, errors)

    def stream() -> Iterator[Entry]:
        if opening:
            yield opening
        yield from reader.iter_journal(src.path, book, errors)

    report = None
    if progress is not None:
        total = _count_rows(src.path / "journal.csv") + len(opening.postings if opening else ())
        report = (lambda done: progress(done, total))  # noqa: E731
    n = repo.load_book(engine, book, stream(), progress=report, check=errors.raise_if_any, extra=extra)
    return Loaded(book.code, n, database_name(engine))


def _count_rows(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b"")) - 1
    except OSError:  # no journal (or no folder): the reader says so, with the file's name
        return 0


def journal_rows(book_dir: Path) -> int:
    """Lines of the journal (for a progress display before a long load)."""
    return _count_rows(book_dir / "journal.csv")


# -- an opened book


@contextmanager
def open_book(book_dir: Path | None = None, url: str | None = None, book_code: str | None = None,
              actor: str | None = None) -> Iterator[OpenBook]:
    """A book to work with: BOOK_DIR alone is loaded into memory and closed (決算整理) for its
    report year from its registers; with a database, BOOK_DIR is loaded there if it is not yet;
    without BOOK_DIR, the database's book (``book_code``, or its only book)."""
    who = actor or default_actor()
    with translated("opening the book"):
        source = read_book_dir(book_dir) if book_dir is not None else None
        if source is not None and url is None:
            engine = db.memory_engine()
            db.upgrade(engine)
            code = _store(engine, source, None, who).book
            book = OpenBook(engine, code, source, actor=who)
            book.close()
        else:
            engine = open_database(url)
            if source is not None:
                code = source.book.code
                if code not in repo.book_codes(engine):
                    _store(engine, source, None, who)
            else:
                code = _only_book(engine, book_code)
            book = OpenBook(engine, code, source, actor=who)
    try:
        yield book
    finally:
        engine.dispose()


def _only_book(engine: sa.Engine, code: str | None) -> str:
    codes = repo.book_codes(engine)
    if code is not None:
        if code not in codes:
            raise NotFound(f"no book {code!r} in {database_name(engine)} (it holds: {', '.join(codes) or 'none'})")
        return code
    if len(codes) != 1:
        raise BadInput(f"the database holds {len(codes)} books; name one with --book ({', '.join(codes) or 'none'})")
    return codes[0]


@dataclass
class OpenBook(JournalServices, DraftServices):  # drill-down, entry, search: app/journal.py; drafts: app/approvals.py
    engine: sa.Engine
    code: str
    source: BookDir | None = None  # the book directory it was opened from, with its registers
    actor: str = "kessan"  # who its writes are recorded as (open_book passes the user)
    _stored: Book | None = None
    _layouts: BookLayouts | None = None
    _statements: dict[tuple[int, str | None], StatementSet] = field(default_factory=dict)
    _reports: dict[tuple[int, str | None], Report] = field(default_factory=dict)

    # -- reading

    @property
    def book(self) -> Book:
        """The stored book (chart, years and their states, settings), read once."""
        if self._stored is None:
            with translated("reading the book"), self.engine.connect() as conn:
                self._stored = repo.load_stored_book(conn, self.code)
        return self._stored

    def _forget(self) -> None:
        """After a write: the stored state changed, so everything read from it is stale."""
        self._stored, self._statements, self._reports = None, {}, {}

    @property
    def layouts(self) -> BookLayouts:
        if self._layouts is None:
            if self.source is not None and self.source.book.layouts == self.book.layouts:
                self._layouts = self.source.layouts
            else:
                with translated("reading the layouts"):
                    self._layouts = parse_book_layouts(self.book.layouts, self.book.chart)
        return self._layouts

    def year(self, year: int | None) -> int:
        """The fiscal year asked for, or the book's report year; an unknown year is NotFound."""
        year = year or self.book.report_year
        if year not in {fy.year for fy in self.book.fiscal_years}:
            raise NotFound(f"book {self.code!r} has no fiscal year {year} "
                           f"(it has {', '.join(str(fy.year) for fy in self.book.fiscal_years)})")
        return year

    def statements(self, year: int | None = None, revision: str | None = None) -> StatementSet:
        year = self.year(year)
        key = (year, revision)
        if key not in self._statements:
            with translated("computing the statements"), self.engine.connect() as conn:
                book_id = repo.book_id(conn, self.code)
                budget = store_budget.read_budget(conn, book_id)
                history = store_budget.read_history(conn, book_id)
                inputs = store_inputs.read_inputs(conn, book_id, year)
                try:
                    ss = StatementSet.build(self.book, year, repo.cube(conn, self.code, year),
                                            budget=budget if budget.revisions else None, revision=revision,
                                            history=history, layouts=self.layouts, inputs=inputs)
                except KeyError as exc:
                    raise NotFound(str(exc.args[0])) from exc
            self._statements[key] = ss
        return self._statements[key]

    def report(self, year: int | None = None, revision: str | None = None) -> Report:
        """The report model of a year: every table of the book, built once."""
        year = self.year(year)
        key = (year, revision)
        if key not in self._reports:
            spec = self.spec()
            labels = spec.labels if spec else None
            groups = spec.column_groups if spec else ()
            self._reports[key] = build_report(self.statements(year, revision), labels, groups)
        return self._reports[key]

    def figures(self, year: int | None = None, revision: str | None = None) -> list[Figure]:
        return figures(self.report(year, revision))

    def tables(self, name: str | None = None, year: int | None = None, revision: str | None = None,
               segments: bool = True) -> list[Table]:
        """The report's tables, or those of one statement (id, title or figures table name)."""
        tables = self.report(year, revision).tables
        if not segments:
            tables = [t for t in tables if t.kind != "segments" and t.segment is None]
        if not name:
            return tables
        chosen = [t for t in tables if name in (t.statement, t.title, t.figure_table)]
        if not chosen:  # a layout's title names its 事業別 and per-segment tables too
            ids = {lay.id for lay in self.layouts.statements if name in (lay.title, lay.table, lay.segment_table)}
            ids |= {t.id for t in self.layouts.trends if name in (t.title, t.table)}
            chosen = [t for t in tables if t.statement in ids]
        if not chosen:
            names = sorted({f"{t.statement} ({t.title})" for t in tables if t.segment is None})
            raise NotFound(f"no statement {name!r}; choose one of: {', '.join(names)}")
        return chosen

    def checks(self, year: int | None = None) -> list[CheckResult]:
        """The auditor tie-outs; with a book directory, its registers tied to the ledger too."""
        ss = self.statements(year)
        with translated("running the checks"), self.engine.connect() as conn:
            results = checks_mod.run_checks(ss, conn)
        if self.source is not None:
            results += register_ties(ss.book, ss.year, ss.cells, self.source.subledgers)
        return results

    def verify(self) -> list[CheckResult]:
        """Tamper evidence: recompute the hash chains of the entries and the period events,
        re-derive the balance aggregate and the period states; name the first broken link."""
        with translated("verifying the ledger"):
            # the aggregate is one long SQL statement (the driver releases the GIL while it
            # runs); the chain is Python work: on a database with a connection each, together
            shared = isinstance(self.engine.pool, sa.pool.StaticPool)  # in memory: one connection
            with ThreadPoolExecutor(max_workers=1) as pool:
                aggregate = None if shared else pool.submit(self._aggregate_differences)
                with self.engine.connect() as conn:
                    findings = [verify.entry_chain(conn, self.code), *verify.period_chain(conn, self.code)]
                differences = aggregate.result() if aggregate else self._aggregate_differences()
        return [CheckResult(f.name, f.ok, f.detail) for f in findings] + [checks_mod.aggregate_result(differences)]

    def _aggregate_differences(self) -> AggregateDifferences:
        with self.engine.connect() as conn:
            return verify.aggregate_differences(conn, self.code)

    def _require_checks(self, year: int | None, refusal: str) -> None:
        """Refuse (naming every failed check) unless every auditor tie-out passes."""
        failed = [r for r in self.checks(year) if not r.passed]
        if failed:
            raise Refused(f"{refusal}: {len(failed)} check(s) fail (run `kessan check`)",
                          [InputError("check", None, r.name, r.detail) for r in failed])

    def reconcile(self, reference: Path, known: Path | None = None, tables: set[str] | None = None,
                  year: int | None = None) -> tuple[Reconciliation, Path | None]:
        """Every published figure of ``reference`` the engine does not reproduce."""
        produced = self.figures(year)
        if known is None and self.source is not None and (self.source.path / "known_differences.csv").exists():
            known = self.source.path / "known_differences.csv"
        with translated("reading the reference"):
            ref = _read_csv_file(read_reference, reference)
            known_list = _read_csv_file(read_known, known) if known else []
        return reconcile(produced, ref, tables, known_list), known

    # -- closing (決算整理)

    def closing_plan(self, year: int | None = None, steps: set[str] | None = None,
                     registers_dir: Path | None = None) -> list[closing_batch.StepPlan]:
        """The closing batch of ``year`` from the registers (of ``registers_dir``/subledgers, else
        of the book directory; none without either), compared with what earlier runs posted."""
        year = self.year(year)
        with translated("computing the closing entries"):
            if registers_dir is not None:
                subs = read_subledgers(registers_dir, self.book.chart)
            else:
                subs = self.source.subledgers if self.source else Subledgers()
            with self.engine.connect() as conn:
                cells = repo.cube(conn, self.code, year)
                generated = repo.closing_entries(conn, self.code, year)
            return closing_batch.plan(self.book, year, cells, generated, subs, only=steps)

    def close(self, year: int | None = None, steps: set[str] | None = None,
              registers_dir: Path | None = None) -> Closed:
        """Post the closing batch: changed steps are reversed and re-posted, unchanged ones not."""
        plans = self.closing_plan(year, steps, registers_dir)
        with translated("posting the closing entries"):
            if entries := closing_batch.batch_entries(plans):
                n_rev, n_new = closing_batch.batch_counts(plans)
                changed = ", ".join(p.step for p in plans if not p.unchanged)
                detail = f"決算整理 {year or self.book.report_year}: {n_new} entries ({changed}), {n_rev} reversals"
                repo.post_entries(self.engine, self.code, entries, audit.Event(self.actor, "close", detail))
        self._forget()
        return Closed(*closing_batch.batch_counts(plans))

    # -- corrections and periods

    def reverse(self, entry: str, new_id: str, date: dt.date, memo: str | None = None) -> Entry:
        """Post the reversing entry (反対仕訳) of a posted entry; posted entries never change."""
        with translated(f"reversing {entry}"):
            try:
                rev = repo.reverse_entry(self.engine, self.code, entry, new_id, date, memo=memo, actor=self.actor)
            except ValueError as exc:
                raise BadInput(str(exc)) from exc
        self._forget()
        return rev

    def set_period(self, year: int, action: str, reason: str = "") -> PeriodChange:
        """adjust (OPEN→ADJUSTING), close (ADJUSTING→CLOSED) or reopen; every change is recorded."""
        year = self.year(year)
        current = self.book.fiscal_year(year).state
        targets = {"adjust": "ADJUSTING", "close": "CLOSED", "reopen": "ADJUSTING" if current == "CLOSED" else "OPEN"}
        if action not in targets:
            raise BadInput(f"unknown action {action!r} (adjust, close, reopen)")
        if targets[action] == "CLOSED":
            self._require_checks(year, f"fiscal year {year} was not closed")
        with translated(f"changing the period state of {year}"):
            before = periods.set_state(self.engine, self.code, year, targets[action], reason, actor=self.actor)
        self._forget()
        return PeriodChange(year, before, targets[action])

    def period_history(self) -> list[PeriodEvent]:
        with translated("reading the period history"):
            return [PeriodEvent(*row) for row in periods.history(self.engine, self.code)]

    # -- the package

    def spec(self, path: Path | None = None) -> PublishSpec | None:
        """The package structure: ``path``, else the book directory's publish.toml, else none."""
        with translated("reading the package structure"):
            if path is not None:
                return read_spec(path)
            return self.source.spec if self.source is not None else None

    def package(self, spec_path: Path | None = None, year: int | None = None, revision: str | None = None) -> Package:
        spec = self.spec(spec_path)
        if spec is None:
            raise BadInput("name BOOK_DIR (holding publish.toml) or --spec",
                           [InputError("publish.toml", None, None, "the package structure is needed to publish")])
        year = self.year(year)
        if spec_path is not None:  # its printed words may differ from the book's: its own report
            report = build_report(self.statements(year, revision), spec.labels, spec.column_groups)
        else:
            report = self.report(year, revision)
        with translated("arranging the package"):
            return build_package(report, spec, self.book.fiscal_year(year).end)

    def publish(self, out_dir: Path, formats: tuple[str, ...] = FORMATS, spec_path: Path | None = None,
                year: int | None = None, revision: str | None = None) -> list[Path]:
        """Write the settlement package (Excel, PDF, HTML site) into ``out_dir``."""
        if not formats or (bad := [f for f in formats if f not in FORMATS]):
            raise BadInput(f"unknown format {', '.join(bad) if formats else '(none)'} (choose from {', '.join(FORMATS)})")
        package = self.package(spec_path, year, revision)
        self._require_checks(year, "the package was not written")
        with translated("publishing"):
            try:
                written = publish(package, out_dir, formats)
            except PublishError as exc:
                raise BadInput(str(exc)) from exc
            except RuntimeError as exc:  # the PDF could not be laid out (a font package missing, a Typst error)
                raise Unavailable(str(exc)) from exc
            self._record("publish", f"published {', '.join(formats)} of {package.title} into {out_dir}"
                         + (" (未確定)" if package.draft else ""))
            return written

    def _record(self, kind: str, detail: str) -> None:
        with self.engine.begin() as conn:
            audit.record(conn, repo.book_id(conn, self.code), audit.Event(self.actor, kind, detail))

    def log(self, since: dt.datetime | None = None, actor: str | None = None,
            kind: str | None = None) -> list[audit.Recorded]:
        """The audit trail of the book: who loaded, posted, closed, reversed, changed periods, published."""
        if kind is not None and kind not in audit.KINDS:
            raise BadInput(f"unknown kind {kind!r} (choose from {', '.join(audit.KINDS)})")
        with translated("reading the audit trail"), self.engine.connect() as conn:
            return audit.events(conn, repo.book_id(conn, self.code), since=since, actor=actor, kind=kind)

    def trend_tables(self, year: int | None = None) -> list[Table]:
        return [t for t in self.report(year).tables if t.kind == "trend"]


def _read_csv_file(read: Callable[[Path], list[T]], path: Path) -> list[T]:
    try:
        return read(path)
    except FileNotFoundError as exc:
        raise BadInput(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise BadInput(f"{path}: a folder, not a CSV file") from exc
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text") from exc
    except (KeyError, ValueError) as exc:
        raise BadInput(str(exc)) from exc


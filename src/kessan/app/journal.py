"""The journal behind the figures, for every face: drill-down from a figure of the report to
the postings that make it (or the figures it is made of), one entry with its history, and
the journal search of 電子帳簿保存法 with its CSV export.

``OpenBook`` (app/service.py) inherits these methods; they read the report model and the
stored journal and never write. A figure is named by its key in the figures contract,
``figure_key(FigureId)``: "table|line|column" (a ``|`` or ``\\`` inside a part is escaped
with ``\\``), the string a web page puts in a link.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ..io.files import MAX_YEN
from ..ledger.errors import InputError
from ..ledger.model import Book
from ..ledger.records import EntryDetail, FigureLink, JournalQuery, PostingPage, PostingRow
from ..report.figures import csv_text
from ..report.model import Cell, Derived, FigureId, Report
from ..statements.engine import Source, StatementSet
from ..store import journal as store_journal
from .errors import BadInput, NotFound, Refused, translated

MAX_PER_PAGE = 1000
CSV_LIMIT = 200_000  # postings a search exports at most; narrow the search beyond that
CSV_COLUMNS = ("entry", "line", "date", "kind", "memo", "segment", "account", "account_name", "amount", "flow",
               "partner")


class _Totals:
    """Count and total of the postings a filter selects, by the book's chain head. The head is a
    hash over every posted entry and posting (store/chain.py), so the same head means the same
    postings: a figure's next page, or another reader's first page, reads only its 50 rows.
    Bounded (least recently used goes first) and shared by the threads of a process."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[tuple[str, str, store_journal.PostingFilter], tuple[int, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, store_journal.PostingFilter]) -> tuple[int, int] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, store_journal.PostingFilter], value: tuple[int, int]) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


TOTALS = _Totals()


def _find(conn: sa.Connection, book: str, flt: store_journal.PostingFilter, *, offset: int, limit: int,
          by_date: bool = False) -> store_journal.Found:
    """store_journal.find, with the count and total remembered while the ledger is unchanged
    (the head is read before and after: a write in between keeps the result out of the cache)."""
    head = store_journal.head(conn, book)
    key = (head, book, flt)
    known = TOTALS.get(key)
    found = store_journal.find(conn, book, flt, offset=offset, limit=limit, by_date=by_date, known=known)
    if known is None and store_journal.head(conn, book) == head:
        TOTALS.put(key, (found.matched, found.total))
    return found


def figure_key(figure: FigureId) -> str:
    """The string naming a figure (its table, line and column in the figures contract)."""
    return "|".join(p.replace("\\", "\\\\").replace("|", "\\|") for p in (figure.table, figure.line, figure.column))


def parse_figure_key(key: str) -> FigureId:
    """The figure a ``figure_key`` names; BadInput unless it has exactly three parts."""
    parts, part, escaped = [], [], False
    for ch in key:
        if escaped:
            part.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            parts.append("".join(part))
            part = []
        else:
            part.append(ch)
    parts.append("".join(part))
    if len(parts) != 3 or escaped:
        raise BadInput(f"not a figure: {key!r} (expected table|line|column, as figure_key writes it)")
    return FigureId(*parts)


class JournalServices:
    """Drill-down, entry and search; mixed into OpenBook."""

    engine: sa.Engine
    code: str

    if TYPE_CHECKING:  # provided by OpenBook
        @property
        def book(self) -> Book: ...

        def report(self, year: int | None = None, revision: str | None = None) -> Report: ...

        def statements(self, year: int | None = None, revision: str | None = None) -> StatementSet: ...

        def year(self, year: int | None) -> int: ...

    # -- drill-down

    def drilldown(self, figure_id: str | FigureId, *, page: int = 1, per_page: int = 50,
                  year: int | None = None) -> PostingPage:
        """The postings that make a figure (a page of them, their count and SQL total, which
        equals the figure), or for a figure computed from others, those figures."""
        _check_page(page, per_page)
        figure = figure_id if isinstance(figure_id, FigureId) else parse_figure_key(figure_id)
        report = self.report(year)
        cell = _cell(report, figure)
        src = cell.source
        key = figure_key(figure)
        if isinstance(src, Source) and src.kind == "postings":
            flt = self._posting_filter(src, report.year)
            with translated("reading the postings of a figure"), self.engine.connect() as conn:
                count, total, rows = _find(conn, self.code, flt, offset=(page - 1) * per_page, limit=per_page)
            return PostingPage(key, total, count, page, per_page, tuple(rows), kind="postings",
                               detail=_describe(src, self.book), yen=cell.yen)
        if isinstance(src, Source):
            terms = self._source_terms(report, src)
            detail = f"input {src.input}" if src.kind == "input" else _describe(src, self.book)
            return PostingPage(key, cell.yen, 0, page, per_page, (), terms, src.kind, detail, cell.yen)
        if isinstance(src, Derived):
            return PostingPage(key, cell.yen, 0, page, per_page, (), _derived_terms(report, src), src.kind,
                               src.detail, cell.yen)
        return PostingPage(key, cell.yen, 0, page, per_page, (), (), "none", "a figure without provenance", cell.yen)

    def _posting_filter(self, src: Source, year: int) -> store_journal.PostingFilter:
        accounts = self.book.chart.accounts
        weights = tuple((a, src.sign * accounts[a].normal_sign) for a in src.accounts if a in accounts)
        return store_journal.PostingFilter(accounts=src.accounts, flows=src.flows, exclude_flows=src.exclude_flows,
                                           segment=src.segment, partners=src.partners, year=year,
                                           basis=src.basis or "closing", weights=weights)

    def _source_terms(self, report: Report, src: Source) -> tuple[FigureLink, ...]:
        """The figures a formula (over lines) or a column formula (over columns) combines."""
        ss = self.statements(report.year, report.revision)
        index = _by_source(report)
        links = []
        for sign, term in src.terms:
            if term.isdigit():
                links.append(FigureLink(sign, None, f"定数 {int(term):,}", int(term)))
                continue
            if src.kind == "columns":
                stmt, line, column = src.statement, src.line, term
            elif "." in term or src.statement not in ss.layouts:
                stmt, _, line = term.partition(".")
                column = None
            else:
                stmt, line, column = src.statement, term, src.column
            links.append(_term_link(ss, index, sign, stmt=stmt, line=line, view=src.view, column=column))
        return tuple(links)

    # -- one entry

    def entry(self, entry_id: str) -> EntryDetail:
        """An entry: postings, the entry it reverses and the one reversing it, the audit events
        that posted it, its hash-chain link; NotFound when the book has no such entry."""
        with translated(f"reading entry {entry_id}"), self.engine.connect() as conn:
            found = store_journal.entry_detail(conn, self.code, entry_id)
        if found is None:
            raise NotFound(f"no entry {entry_id!r} in book {self.code!r}")
        return found

    # -- the journal search (電子帳簿保存法)

    def search(self, query: JournalQuery, *, page: int = 1, per_page: int = 50) -> PostingPage:
        """Postings matching every given condition, by date; their count and total over all pages."""
        _check_page(page, per_page)
        flt = self._search_filter(query)
        with translated("searching the journal"), self.engine.connect() as conn:
            count, total, rows = _find(conn, self.code, flt, offset=(page - 1) * per_page, limit=per_page,
                                       by_date=True)
        return PostingPage(None, total, count, page, per_page, tuple(rows), kind="search", detail=_query_text(query))

    def search_csv(self, query: JournalQuery) -> str:
        """Every posting a search finds, as CSV text (UTF-8, a header row); no text cell can
        run as a spreadsheet formula. Refused beyond CSV_LIMIT postings: narrow the search."""
        flt = self._search_filter(query)
        with translated("exporting a journal search"), self.engine.connect() as conn:
            count, _ = store_journal.count(conn, self.code, flt)
            if count > CSV_LIMIT:
                raise Refused(f"the search finds {count:,} postings; at most {CSV_LIMIT:,} are exported at once "
                              "(narrow it by date, account or segment)")
            found = store_journal.find(conn, self.code, flt, offset=0, limit=max(count, 1), by_date=True)
        return _csv(found.rows)

    def _search_filter(self, q: JournalQuery) -> store_journal.PostingFilter:
        chart = self.book.chart
        problems = []

        def bad(fld: str, message: str) -> None:
            problems.append(InputError("search", None, fld, message))

        if q.account and q.account not in chart.accounts:
            bad("account", f"unknown account {q.account!r}")
        if q.segment and q.segment not in chart.segments:
            bad("segment", f"unknown segment {q.segment!r} (choose from {', '.join(chart.segments)})")
        if q.date_from and q.date_to and q.date_from > q.date_to:
            bad("date_to", f"the range ends ({q.date_to}) before it begins ({q.date_from})")
        for fld, amount in (("amount_min", q.amount_min), ("amount_max", q.amount_max)):
            if amount is not None and not 0 <= amount <= MAX_YEN:
                bad(fld, f"an amount of yen from 0 to {MAX_YEN:,} (amounts compare by magnitude), not {amount:,}")
        if q.amount_min is not None and q.amount_max is not None and q.amount_min > q.amount_max:
            bad("amount_max", f"the range ends ({q.amount_max:,}) below where it begins ({q.amount_min:,})")
        if problems:
            raise BadInput("the search cannot be run", problems)
        return store_journal.PostingFilter(
            accounts=(q.account,) if q.account else None, segment=q.segment or None, date_from=q.date_from,
            date_to=q.date_to, amount_min=q.amount_min, amount_max=q.amount_max, memo=(q.memo or "").strip() or None)


def _check_page(page: int, per_page: int) -> None:
    if page < 1:
        raise BadInput(f"page {page}: pages are numbered from 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise BadInput(f"{per_page} postings a page: from 1 to {MAX_PER_PAGE}")


def _cell(report: Report, figure: FigureId) -> Cell:
    for _, _, cell in report.cells():
        if cell.figure == figure:
            return cell
    raise NotFound(f"no figure {figure.table} / {figure.line} / {figure.column} in the report of {report.fiscal_year}")


SourceKey = tuple[str, str, str, str | None]


def _by_source(report: Report) -> dict[SourceKey, tuple[FigureId, Cell]]:
    """Printed figures by the engine figure they show (statement, line, view, column); a figure
    printed twice (the statement and the 合計 column of its 事業別 table) keeps its first table."""
    out: dict[SourceKey, tuple[FigureId, Cell]] = {}
    for _, _, cell in report.cells():
        src = cell.source
        if isinstance(src, Source) and cell.figure is not None:
            out.setdefault((src.statement, src.line, src.view, src.column), (cell.figure, cell))
    return out


def _term_link(ss: StatementSet, index: dict[SourceKey, tuple[FigureId, Cell]], sign: int, *, stmt: str, line: str,
               view: str, column: str | None) -> FigureLink:
    name = f"{stmt}.{line}" + (f" [{column}]" if column else "") + f" ({view})"
    try:
        src = ss.source(stmt, line, view, column)
        value = ss.value(stmt, line, view, column)
    except KeyError:  # a layout line no statement set has (cannot be after parsing; say so rather than fail)
        return FigureLink(sign, None, name + ": not in the layouts", None)
    if src is None:
        return FigureLink(sign, None, name, value)
    found = index.get((src.statement, src.line, src.view, src.column))
    if found is None:
        return FigureLink(sign, None, name, value)
    fig, cell = found
    return FigureLink(sign, figure_key(fig), f"{fig.table} / {fig.line} / {fig.column}",
                      cell.yen if cell.yen is not None else value)


def _derived_terms(report: Report, d: Derived) -> tuple[FigureLink, ...]:
    cells = {c.figure: c for _, _, c in report.cells() if c.figure is not None}
    links = []
    for sign, fig in d.terms:
        cell = cells.get(fig)
        links.append(FigureLink(sign, figure_key(fig) if cell else None, f"{fig.table} / {fig.line} / {fig.column}",
                                cell.yen if cell else None))
    return tuple(links)


BASIS_WORDS = {"closing": "期末残高", "opening": "期首残高", "movement": "当期の増減", "next_appropriation": "翌年度の利益処分"}
VIEW_WORDS = {"合計": "相殺後 (相手事業のない仕訳)", "相殺等": "事業間取引 (相手事業のある仕訳)"}


def _describe(src: Source, book: Book) -> str:
    """What a figure sums, in words: its accounts, flows, basis and view."""
    accounts = ", ".join(f"{a} {book.chart.accounts[a].name}" if a in book.chart.accounts else a for a in src.accounts)
    parts = [f"{src.statement}.{src.line}" + (f" [{src.column}]" if src.column else "")]
    if src.kind == "postings":
        parts.append(f"{BASIS_WORDS.get(src.basis or 'closing', src.basis)} of {accounts or 'no account'}")
        if src.flows is not None:
            parts.append(f"flows {', '.join(src.flows)}")
        if src.exclude_flows:
            parts.append(f"without flows {', '.join(src.exclude_flows)}")
        if src.sign < 0:
            parts.append("sign reversed")
    segment = book.chart.segments.get(src.view)
    parts.append(segment.name if segment else VIEW_WORDS.get(src.view, src.view))
    return "; ".join(parts)


def _query_text(q: JournalQuery) -> str:
    given = [f"{name}={value}" for name, value in zip(JournalQuery._fields, q, strict=True) if value not in (None, "")]
    return ", ".join(given) or "every posting"


def _csv(rows: list[PostingRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([csv_text(r.entry_id), r.line_no, r.date.isoformat(), r.kind, csv_text(r.memo), csv_text(r.segment),
                    csv_text(r.account), csv_text(r.account_name), r.posted, csv_text(r.flow or ""),
                    csv_text(r.partner or "")])
    return out.getvalue()

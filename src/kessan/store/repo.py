"""Writing books and entries, and the aggregate queries statements read.

``load_book`` stores a whole book in one transaction: chart, layouts, opening entry and
journal, then the balance aggregate, computed in SQL from the postings just written. If
the journal turns out to be invalid halfway through the stream, the transaction is rolled
back and the database is as it was.
"""

from __future__ import annotations

import datetime as dt
import functools
import queue
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

import sqlalchemy as sa

from ..ledger.errors import BookError, InputError, LedgerViolation
from ..ledger.invariants import entry_problems, reversal
from ..ledger.model import (
    ENTRY_KINDS,
    Account,
    Book,
    Cell,
    Chart,
    Entry,
    FiscalYear,
    Flow,
    Posting,
    Segment,
    fiscal_year_of,
    period_of,
)
from . import audit, chain
from . import schema as s

if TYPE_CHECKING:
    import psycopg  # the driver of PostgreSQL URLs; imported by SQLAlchemy only when one is used

BATCH = 20_000  # postings per executemany round trip
T = TypeVar("T")


@dataclass(frozen=True)
class Ids:
    """Code → database id maps of one stored book."""

    book_id: int
    segments: dict[str, int]
    accounts: dict[str, int]
    flows: dict[str, int]


# ---------------------------------------------------------------- loading


def load_book(
    engine: sa.Engine,
    book: Book,
    entries: Iterable[Entry],
    *,
    progress: Callable[[int], None] | None = None,
    check: Callable[[], None] | None = None,
    extra: Callable[[sa.Connection, Ids], None] | None = None,
) -> int:
    """Store ``book`` and its entries atomically; return the number of postings written.

    ``check`` is called after the entries are consumed and before commit, so a reader
    that collects errors while streaming can still abort the whole load. ``entries`` is
    consumed in a background thread (see ``_in_thread``), so it must not use the database.
    """
    with engine.connect() as conn, _sqlite_bulk(conn), conn.begin():
        if conn.execute(sa.select(s.book.c.id).where(s.book.c.code == book.code)).first():
            raise BookError([InputError("book.toml", None, "code", f"book {book.code!r} is already loaded in this database")])
        ids = _insert_chart(conn, book)
        if extra is not None:  # budgets, history: same transaction as the journal
            extra(conn, ids)
        # SQLite aggregates each batch as soon as it is written (the same INSERT … SELECT …
        # GROUP BY over that batch's entry numbers); PostgreSQL aggregates once at the end.
        sqlite = conn.dialect.name == "sqlite"
        count = _insert_entries(conn, ids, entries, first_no=1, progress=progress, aggregate=sqlite)
        if check is not None:
            check()
        if sqlite:
            _foreign_key_check(conn)
        else:
            # Statistics first: without them the planner takes the freshly written postings
            # for a few rows and sorts millions of them on disk instead of hashing (7 s → 1 s
            # for 3 million postings). ANALYZE samples a fixed number of rows.
            conn.exec_driver_sql("ANALYZE posting")
            _aggregate(conn, ids.book_id, 1, None)
    return count


# SQLite checks a foreign key on every row inserted; for the posting → entry key of a bulk
# load that is an index search per posting, about a tenth of the load. A load writes each
# batch's entries before their postings, numbered by the same counter, so that key holds
# by construction: while a whole book is loaded the row-by-row checks are switched off
# (possible only outside a transaction), and before commit PRAGMA foreign_key_check
# verifies every other table written in the transaction. Any violation fails the load
# with the IntegrityError SQLite would have raised.
_BULK_UNCHECKED = ("entry", "posting")


def _sqlite_connection(conn: sa.Connection) -> sqlite3.Connection:
    """The DBAPI connection under a SQLite ``conn`` (SQLAlchemy types it as Any)."""
    raw = conn.connection.driver_connection
    if not isinstance(raw, sqlite3.Connection):
        raise TypeError(f"expected a sqlite3 connection, got {type(raw).__name__}")
    return raw


def _psycopg_connection(conn: sa.Connection) -> psycopg.Connection[Any]:
    """The DBAPI connection under a PostgreSQL ``conn``: psycopg 3, the one driver kessan uses
    there (db.database_url). SQLAlchemy types it as Any; checking it at run time would
    import psycopg for every SQLite command too."""
    raw = conn.connection.driver_connection
    if raw is None:
        raise TypeError("expected a psycopg connection, got None")
    pg: psycopg.Connection[Any] = raw
    return pg


@contextmanager
def _sqlite_bulk(conn: sa.Connection) -> Iterator[None]:
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = _sqlite_connection(conn)
    if raw.in_transaction or not raw.execute("PRAGMA foreign_keys").fetchone()[0]:
        yield  # not ours to change
        return
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if not raw.in_transaction:
            raw.execute("PRAGMA foreign_keys=ON")
        if raw.in_transaction or not raw.execute("PRAGMA foreign_keys").fetchone()[0]:
            conn.invalidate()  # never hand out a connection without foreign keys


def _foreign_key_check(conn: sa.Connection) -> None:
    raw = _sqlite_connection(conn)
    if raw.execute("PRAGMA foreign_keys").fetchone()[0]:
        return  # checked row by row
    tables = [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in (t for t in tables if t not in _BULK_UNCHECKED):
        sql = f'PRAGMA foreign_key_check("{table}")'
        if raw.execute(sql).fetchone() is not None:
            raise sa.exc.IntegrityError(sql, None, sqlite3.IntegrityError("FOREIGN KEY constraint failed"))


def _insert_chart(conn: sa.Connection, book: Book) -> Ids:
    key = conn.execute(
        s.book.insert().values(
            code=book.code, name=book.name, report_year=book.report_year,
            settings=book.settings, loaded_at=dt.datetime.now(dt.UTC),
        )
    ).inserted_primary_key
    assert key is not None  # a single-row INSERT has one
    book_id: int = key[0]
    conn.execute(s.fiscal_year.insert(), [
        {"book_id": book_id, "year": fy.year, "label": fy.label, "state": fy.state} for fy in book.fiscal_years
    ])
    chart = book.chart
    conn.execute(s.segment.insert(), [
        {"book_id": book_id, "code": c, "name": seg.name, "position": i} for i, (c, seg) in enumerate(chart.segments.items())
    ])
    conn.execute(s.account.insert(), [
        {"book_id": book_id, "code": c, "name": a.name, "kind": a.kind, "cash": a.cash,
         "inter_segment": a.inter_segment, "position": i}
        for i, (c, a) in enumerate(chart.accounts.items())
    ])
    if chart.flows:
        conn.execute(s.flow.insert(), [
            {"book_id": book_id, "code": c, "name": f.name, "applies_to": f.applies_to} for c, f in chart.flows.items()
        ])
    if book.layouts:
        conn.execute(s.layout.insert(), [{"book_id": book_id, "name": n, "source": t} for n, t in book.layouts])
    return book_ids(conn, book_id)


def book_ids(conn: sa.Connection, book_id: int) -> Ids:
    def codes(table: sa.Table) -> dict[str, int]:
        return dict(conn.execute(sa.select(table.c.code, table.c.id).where(table.c.book_id == book_id)).all())

    return Ids(book_id, codes(s.segment), codes(s.account), codes(s.flow))


# A large load is a pipeline of two threads. A reader thread drives the entry stream (CSV
# parsing and validation happen there) and turns entries into row batches; this thread
# writes each batch to the database. The database driver releases the interpreter lock
# while the database works, so on SQLite the reading of one batch overlaps with the
# writing of the previous one, and on PostgreSQL with the server's work.


def _insert_entries(conn: sa.Connection, ids: Ids, entries: Iterable[Entry], first_no: int, *,
                    progress: Callable[[int], None] | None = None, entry_nos: dict[str, int] | None = None,
                    aggregate: bool = False) -> int:
    """Bulk insert through the DBAPI cursor: the hot path of a large load.

    With ``aggregate`` every batch is added to the balance aggregate right after it is
    written (SQLite only; the caller must not aggregate the same entries again).
    """
    links: list[tuple[int, int, str]] = []
    head = chain_head(conn, ids.book_id)
    if conn.dialect.name == "sqlite":
        sqlite_writer = _SqliteWriter(_sqlite_connection(conn), ids, aggregate)
        batches = _chained_sqlite(_sqlite_batches(ids, entries, first_no, entry_nos), head, links)
        count = _write(batches, sqlite_writer.write, progress)
        sqlite_writer.close()
    else:
        if aggregate:
            raise ValueError("per-batch aggregation is implemented for SQLite only")
        copy_writer = _CopyWriter(_psycopg_connection(conn))
        count = _write(_chained_copy(_copy_batches(ids, entries, first_no, entry_nos), head, links),
                       copy_writer.write, progress)
        copy_writer.close()
    if links:
        conn.execute(s.chain_link.insert(), [{"book_id": ids.book_id, "first_entry": lo, "last_entry": hi, "link": h}
                                             for lo, hi, h in links])
    if progress and count == 0:
        progress(count)
    return count


def chain_head(conn: sa.Connection, book: int) -> str:
    """The newest link of a book's entry chain (the genesis link before its first entry)."""
    head: str | None = conn.execute(sa.select(s.chain_link.c.link).where(s.chain_link.c.book_id == book)
                                    .order_by(s.chain_link.c.id.desc()).limit(1)).scalar()
    return head or chain.GENESIS


# The chain is computed on the reader thread as the batches pass (store/chain.py): the
# canonical bytes of a batch are built column by column from the very values written.

def _chained_sqlite(batches: Iterable[_SqliteBatch], head: str, links: list[tuple[int, int, str]]) -> Iterator[_SqliteBatch]:
    for batch in batches:
        entry_vals, posting_vals, lo, hi = batch
        head = chain.link(head, *chain.from_sqlite_values(entry_vals, posting_vals))
        links.append((lo, hi, head))
        yield batch


def _chained_copy(batches: Iterable[_CopyBatch], head: str, links: list[tuple[int, int, str]]) -> Iterator[_CopyBatch]:
    for batch in batches:
        entry_rows, posting_rows = batch
        e = list(zip(*entry_rows, strict=True))  # columns, in C: (book_id, entry_no, code, date, …)
        p = list(zip(*posting_rows, strict=True))
        entries = (e[1], e[2], [d.isoformat() for d in e[3]], e[5], e[6], e[8])
        head = chain.link(head, entries, tuple(p[i] for i in (1, 2, 6, 7, 8, 9, 10)))
        links.append((entry_rows[0][1], entry_rows[-1][1], head))
        yield batch


def _write(batches: Iterable[T], write: Callable[[T], int], progress: Callable[[int], None] | None) -> int:
    """Write ``batches`` as the reader thread produces them; the number of postings written."""
    count = 0
    for batch in _in_thread(batches):
        count += write(batch)
        if progress:
            progress(count)
    return count


def _dates() -> Callable[[dt.date], tuple[str, int, int]]:
    """Date → (ISO text, fiscal year, period), computed once per distinct date."""
    cache: dict[dt.date, tuple[str, int, int]] = {}

    def get(day: dt.date) -> tuple[str, int, int]:
        hit = cache.get(day)
        if hit is None:
            hit = cache[day] = (day.isoformat(), fiscal_year_of(day), period_of(day))
        return hit

    return get


# SQLite batches: (entry values, posting values, first entry_no, last entry_no), the values
# flattened row after row, without book_id (the writer puts it in the SQL).
_Value = int | str | None
_SqliteBatch = tuple[list[_Value], list[_Value], int, int]
# COPY batches: (entry rows, posting rows), book_id first, in the order of ENTRY_COLUMNS and POSTING_COLUMNS
_EntryRow = tuple[int, int, str, dt.date, int, str, str, int | None, int | None]
_PostingRow = tuple[int, int, int, int, int, str, int, int, int, int, int]
_CopyBatch = tuple[list[_EntryRow], list[_PostingRow]]


def _or_none(ids: dict[str, int]) -> dict[str | None, int]:
    """``ids`` and None → 0: no flow, no partner."""
    out: dict[str | None, int] = {None: 0}
    out.update(ids.items())
    return out


def _sqlite_batches(ids: Ids, entries: Iterable[Entry], first_no: int,
                    entry_nos: dict[str, int] | None) -> Iterator[_SqliteBatch]:
    """Yield (entry values, posting values, first entry_no, last entry_no).

    Values are flattened row after row, without book_id (the writer puts it in the SQL).
    """
    seg, acc = ids.segments, ids.accounts
    flw, partner = _or_none(ids.flows), _or_none(ids.segments)
    date_info = _dates()
    no = first_no
    lo = no
    entry_vals: list[_Value] = []
    posting_vals: list[_Value] = []
    e_ext, p_ext = entry_vals.extend, posting_vals.extend
    limit = BATCH * (len(POSTING_COLUMNS) - 1)
    for e in entries:
        iso, fy, period = date_info(e.date)
        kind = e.kind
        if kind == "opening":
            period = 0
        e_ext((no, e.id, iso, fy, kind, e.memo, e.line,
               entry_nos.get(e.reverses) if entry_nos and e.reverses else None))
        for i, (s_, a_, amount, f_, p_) in enumerate(e.postings, 1):
            p_ext((no, i, fy, period, kind, seg[s_], acc[a_], flw[f_], partner[p_], amount))
        no += 1
        if len(posting_vals) >= limit:
            yield entry_vals, posting_vals, lo, no - 1
            lo = no
            entry_vals, posting_vals = [], []
            e_ext, p_ext = entry_vals.extend, posting_vals.extend
    if entry_vals:
        yield entry_vals, posting_vals, lo, no - 1


def _copy_batches(ids: Ids, entries: Iterable[Entry], first_no: int,
                  entry_nos: dict[str, int] | None) -> Iterator[_CopyBatch]:
    """Yield (entry rows, posting rows) for COPY."""
    seg, acc = ids.segments, ids.accounts
    flw, partner = _or_none(ids.flows), _or_none(ids.segments)
    book_id = ids.book_id
    date_info = _dates()
    no = first_no
    entry_rows: list[_EntryRow] = []
    posting_rows: list[_PostingRow] = []
    e_add, p_add = entry_rows.append, posting_rows.append
    for e in entries:
        _, fy, period = date_info(e.date)
        kind = e.kind
        if kind == "opening":
            period = 0
        e_add((book_id, no, e.id, e.date, fy, kind, e.memo, e.line,
               entry_nos.get(e.reverses) if entry_nos and e.reverses else None))
        for i, (s_, a_, amount, f_, p_) in enumerate(e.postings, 1):
            p_add((book_id, no, i, fy, period, kind, seg[s_], acc[a_], flw[f_], partner[p_], amount))
        no += 1
        if len(posting_rows) >= BATCH:
            yield entry_rows, posting_rows
            entry_rows, posting_rows = [], []
            e_add, p_add = entry_rows.append, posting_rows.append
    if entry_rows:
        yield entry_rows, posting_rows


class _End(Enum):
    TOKEN = 0


_DONE: Final = _End.TOKEN  # the reader thread's last message: no more items (or an error)
SWITCH_INTERVAL = 50e-6  # seconds, while a load runs


def _in_thread(gen: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``gen`` in a background thread, ``depth`` items ahead of the consumer.

    An exception raised by ``gen`` is re-raised here; if the consumer stops early (an
    exception while writing), the thread stops at its next item.
    """
    q: queue.Queue[tuple[T | Literal[_End.TOKEN], BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def put(message: tuple[T | Literal[_End.TOKEN], BaseException | None]) -> bool:
        while not stop.is_set():
            try:
                q.put(message, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in gen:
                if not put((item, None)):
                    return
        except BaseException as exc:  # handed to the consumer thread
            put((_DONE, exc))
            return
        put((_DONE, None))

    worker = threading.Thread(target=run, name="kessan-load-reader", daemon=True)
    # The writer needs the interpreter lock back after every statement; with the default
    # 5 ms switch interval it would wait most of that time for the reader to yield it.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    worker.start()
    try:
        while True:
            item, exc = q.get()
            if exc is not None:
                raise exc
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
        sys.setswitchinterval(interval)


class _SqliteWriter:
    """Multi-row INSERT … VALUES statements, as many rows per statement as SQLite binds.

    Rows that do not fill a statement wait for the next batch, so almost every statement
    is a full one; ``close`` writes what is left. That needs the foreign keys off (a load,
    see ``_sqlite_bulk``), since postings may then be written before their entry; with
    them on, every batch is written whole, entries first. With ``aggregate``, postings
    are added to the balance aggregate (``_sqlite_aggregate_sql``) for the entries whose
    postings are all written.
    """

    def __init__(self, raw: sqlite3.Connection, ids: Ids, aggregate: bool):
        self.cur = raw.cursor()
        self.book_id = int(ids.book_id)
        self.aggregate_sql = _sqlite_aggregate_sql(ids) if aggregate else None
        try:
            max_vars = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except (AttributeError, sqlite3.Error):
            max_vars = 999
        self.max_vars = max(min(max_vars, 32766), 99)
        self.carry = not raw.execute("PRAGMA foreign_keys").fetchone()[0]
        self.entry_vals: list[_Value] = []
        self.posting_vals: list[_Value] = []
        self.agg_lo: int | None = None  # first entry_no not yet aggregated
        self.hi = 0  # last entry_no received

    def write(self, batch: _SqliteBatch) -> int:
        entry_vals, posting_vals, lo, hi = batch
        if self.agg_lo is None:
            self.agg_lo = lo
        self.hi = hi
        if self.carry:
            self.entry_vals = self._insert("entry", ENTRY_COLUMNS, self.entry_vals + entry_vals, full_only=True)
            self.posting_vals = self._insert("posting", POSTING_COLUMNS, self.posting_vals + posting_vals, full_only=True)
            # postings are written in entry_no order: entries before the first waiting one are complete
            waiting = self.posting_vals[0] if self.posting_vals else None  # its entry_no
            self._aggregate(waiting - 1 if isinstance(waiting, int) else hi)
        else:
            self._insert("entry", ENTRY_COLUMNS, entry_vals)
            self._insert("posting", POSTING_COLUMNS, posting_vals)
            self._aggregate(hi)
        return len(posting_vals) // (len(POSTING_COLUMNS) - 1)

    def close(self) -> None:
        self.entry_vals = self._insert("entry", ENTRY_COLUMNS, self.entry_vals)
        self.posting_vals = self._insert("posting", POSTING_COLUMNS, self.posting_vals)
        self._aggregate(self.hi)

    def _aggregate(self, hi: int) -> None:
        if self.aggregate_sql and self.agg_lo is not None and hi >= self.agg_lo:
            self.cur.execute(self.aggregate_sql, {"book": self.book_id, "lo": self.agg_lo, "hi": hi})
            self.agg_lo = hi + 1

    def _insert(self, table: str, columns: tuple[str, ...], vals: list[_Value], full_only: bool = False) -> list[_Value]:
        """Write ``vals``; with ``full_only``, only full statements, returning the rest."""
        execute = self.cur.execute
        width = len(columns) - 1  # values per row; book_id is in the SQL
        per = self.max_vars // width  # rows per statement
        step = per * width
        n = len(vals)
        k = 0
        while n - k >= step:
            execute(_values_sql(table, columns, self.book_id, per), vals[k:k + step])
            k += step
        if full_only:
            return vals[k:]
        # the remainder in statements of 2**j rows, so that few distinct statements are prepared
        rows = (n - k) // width
        j = 1 << max(rows.bit_length() - 1, 0)
        while rows:
            if rows >= j:
                execute(_values_sql(table, columns, self.book_id, j), vals[k:k + j * width])
                k += j * width
                rows -= j
            j >>= 1
        return []


@functools.lru_cache(maxsize=64)
def _values_sql(table: str, columns: tuple[str, ...], book_id: int, rows: int) -> str:
    assert columns[0] == "book_id"
    one = f"({int(book_id)}" + ",?" * (len(columns) - 1) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ",".join([one] * rows)


def _sqlite_aggregate_sql(ids: Ids) -> str:
    """AGGREGATE for SQLite: the same sums, grouped by one integer that encodes the group.

    SQLite groups by sorting, and the cost grows with the width of what it sorts. Here it
    sorts (key, rowid, amount) only: the key is one integer, and each group's columns are
    read back from one of its postings by rowid. That makes the aggregate of a large load
    about half as expensive as the plain GROUP BY of eight columns.

    The key is injective on the postings of this book: every component is a non-negative
    integer below its radix (period 0–12; the four entry kinds of the CHECK constraint;
    ids no larger than the largest id of this book's segments, accounts and flows, 0 for
    none) and the fiscal year (< 10,000) is the most significant digit. So all postings of
    a group agree on every column of the balance key, whichever of them is read back.
    Where the key could overflow 64 bits, the plain GROUP BY is used.
    """
    ns = max(ids.segments.values(), default=0) + 1
    na = max(ids.accounts.values(), default=0) + 1
    nf = max(ids.flows.values(), default=0) + 1
    radix = 13 * len(ENTRY_KIND_CODE) * ns * na * nf * ns
    if 10_000 * radix >= 2**62:
        return AGGREGATE
    # the common kind first: CASE compares in order
    order = sorted(ENTRY_KIND_CODE.items(), key=lambda kc: kc[0] != "regular")
    kind = "CASE kind " + " ".join(f"WHEN '{k}' THEN {c}" for k, c in order) + " END"
    key = (f"(((((fiscal_year * 13 + period) * {len(ENTRY_KIND_CODE)} + {kind}) * {ns} + segment_id) * {na}"
           f" + account_id) * {nf} + flow_id) * {ns} + partner_id")
    return f"""
INSERT INTO balance (book_id, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, amount)
SELECT p.book_id, p.fiscal_year, p.period, p.kind, p.segment_id, p.account_id, p.flow_id, p.partner_id, g.amount
FROM (SELECT MIN(rowid) AS one, SUM(amount) AS amount
      FROM posting
      WHERE book_id = :book AND entry_no >= :lo AND entry_no <= :hi
      GROUP BY {key}) AS g
JOIN posting AS p ON p.rowid = g.one
WHERE true
""" + AGGREGATE_TAIL


class _CopyWriter:
    def __init__(self, raw: psycopg.Connection[Any]):
        self.raw = raw

    def close(self) -> None:
        pass

    def write(self, batch: _CopyBatch) -> int:
        entry_rows, posting_rows = batch
        with self.raw.cursor() as cur:
            with cur.copy(f"COPY entry ({ENTRY_COLS}) FROM STDIN") as cp:
                for entry_row in entry_rows:
                    cp.write_row(entry_row)
            with cur.copy(f"COPY posting ({POSTING_COLS}) FROM STDIN") as cp:
                for posting_row in posting_rows:
                    cp.write_row(posting_row)
        return len(posting_rows)


ENTRY_COLUMNS = ("book_id", "entry_no", "code", "date", "fiscal_year", "kind", "memo", "source_line", "reverses")
POSTING_COLUMNS = ("book_id", "entry_no", "line_no", "fiscal_year", "period", "kind", "segment_id", "account_id",
                   "flow_id", "partner_id", "amount")
ENTRY_COLS = ", ".join(ENTRY_COLUMNS)
POSTING_COLS = ", ".join(POSTING_COLUMNS)
ENTRY_KIND_CODE = {k: i for i, k in enumerate(ENTRY_KINDS)}

AGGREGATE_HEAD = """
INSERT INTO balance (book_id, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, amount)
SELECT book_id, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id, SUM(amount)
FROM posting
WHERE book_id = :book AND entry_no >= :lo AND entry_no <= :hi
"""
AGGREGATE_TAIL = """ON CONFLICT (book_id, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id)
DO UPDATE SET amount = balance.amount + excluded.amount
"""
AGGREGATE = (AGGREGATE_HEAD + "GROUP BY book_id, fiscal_year, period, kind, segment_id, account_id, flow_id, partner_id\n"
             + AGGREGATE_TAIL)


def _aggregate(conn: sa.Connection, book_id: int, lo: int, hi: int | None) -> None:
    hi = hi if hi is not None else 2**31 - 1
    conn.execute(sa.text(AGGREGATE), {"book": book_id, "lo": lo, "hi": hi})


# ---------------------------------------------------------------- posting later entries


def post_entries(engine: sa.Engine, book_code: str, entries: list[Entry], event: audit.Event) -> list[int]:
    """Append entries to a stored book: validated against the stored chart and period states;
    ``event`` is recorded in the audit trail in the same transaction."""
    with engine.begin() as conn:
        return post_entries_in(conn, book_code, entries, event)


def post_entries_in(conn: sa.Connection, book_code: str, entries: list[Entry], event: audit.Event) -> list[int]:
    """``post_entries`` within the caller's transaction (an approval commits its decision with it)."""
    stored = load_stored_book(conn, book_code, lock=True)
    years = {fy.year: fy for fy in stored.fiscal_years}
    problems = []
    for e in entries:
        for _, fld, msg in entry_problems(e, stored.chart, years):
            problems.append(InputError(f"entry {e.id}", None, fld, msg))
    if problems:
        raise BookError(problems)
    ids = book_ids(conn, book_id(conn, book_code))
    existing = set(conn.execute(sa.select(s.entry.c.code).where(
        s.entry.c.book_id == ids.book_id, s.entry.c.code.in_([e.id for e in entries]))).scalars())
    if existing:
        raise BookError([InputError(f"entry {c}", None, "entry", "duplicate entry id") for c in sorted(existing)])
    last: int | None = conn.execute(
        sa.select(sa.func.max(s.entry.c.entry_no)).where(s.entry.c.book_id == ids.book_id)).scalar()
    first = (last or 0) + 1
    targets = [e.reverses for e in entries if e.reverses]
    entry_nos = dict(conn.execute(sa.select(s.entry.c.code, s.entry.c.entry_no).where(
        s.entry.c.book_id == ids.book_id, s.entry.c.code.in_(targets))).all()) if targets else {}
    _insert_entries(conn, ids, entries, first, entry_nos=entry_nos)
    _aggregate(conn, ids.book_id, first, first + len(entries) - 1)
    audit.record(conn, ids.book_id, event, range(first, first + len(entries)))
    return list(range(first, first + len(entries)))


def reverse_entry(engine: sa.Engine, book_code: str, entry_code: str, new_code: str, date: dt.date, *,
                  memo: str | None = None, actor: str) -> Entry:
    """Post the reversing entry (反対仕訳) of a stored entry; the original stays as it is.
    An entry is reversed at most once (the database holds a unique index on it)."""
    original = fetch_entry(engine, book_code, entry_code)
    if (done := reversed_by(engine, book_code, entry_code)) is not None:
        raise BookError([InputError(f"entry {entry_code}", None, "entry", f"already reversed by {done}")])
    rev = reversal(original, new_code, date, memo)
    post_entries(engine, book_code, [rev], audit.Event(actor, "reverse", f"{new_code} reverses {entry_code}"))
    return rev


def reversed_by(engine: sa.Engine, book_code: str, entry_code: str) -> str | None:
    """The code of the entry that reverses ``entry_code``, if one does."""
    original = s.entry.alias("original")
    with engine.connect() as conn:
        bid = book_id(conn, book_code)
        found: str | None = conn.execute(
            sa.select(s.entry.c.code).join(original, sa.and_(original.c.book_id == s.entry.c.book_id,
                                                             original.c.entry_no == s.entry.c.reverses))
            .where(s.entry.c.book_id == bid, original.c.code == entry_code)).scalar()
        return found


def fetch_entry(engine: sa.Engine, book_code: str, entry_code: str) -> Entry:
    with engine.connect() as conn:
        ids = book_ids(conn, book_id(conn, book_code))
        row = conn.execute(sa.select(s.entry).where(s.entry.c.book_id == ids.book_id, s.entry.c.code == entry_code)).first()
        if row is None:
            raise LedgerViolation(f"no entry {entry_code!r} in book {book_code!r}")
        seg = {v: k for k, v in ids.segments.items()}
        acc = {v: k for k, v in ids.accounts.items()}
        flw = {v: k for k, v in ids.flows.items()}
        ps = conn.execute(sa.select(s.posting).where(s.posting.c.book_id == ids.book_id, s.posting.c.entry_no == row.entry_no)
                          .order_by(s.posting.c.line_no)).all()
        postings = tuple(Posting(seg[p.segment_id], acc[p.account_id], p.amount, flw.get(p.flow_id), seg.get(p.partner_id))
                         for p in ps)
        return Entry(row.code, row.date, row.kind, row.memo, postings, row.source_line)



def closing_entries(conn: sa.Connection, book_code: str, year: int) -> list[Entry]:
    """The entries closing runs of ``year`` posted: codes ``CL<year>-…``, reversals included,
    in posting order (closing/batch.py compares a new run with them)."""
    ids = book_ids(conn, book_id(conn, book_code))
    seg = {v: k for k, v in ids.segments.items()}
    acc = {v: k for k, v in ids.accounts.items()}
    flw = {v: k for k, v in ids.flows.items()}
    rows = conn.execute(
        sa.select(s.entry.c.entry_no, s.entry.c.code, s.entry.c.date, s.entry.c.kind, s.entry.c.memo,
                  s.posting.c.segment_id, s.posting.c.account_id, s.posting.c.amount, s.posting.c.flow_id,
                  s.posting.c.partner_id)
        .join(s.posting, sa.and_(s.posting.c.book_id == s.entry.c.book_id, s.posting.c.entry_no == s.entry.c.entry_no))
        .where(s.entry.c.book_id == ids.book_id, _code_starts_with(conn, f"CL{year}-"))
        .order_by(s.entry.c.entry_no, s.posting.c.line_no)).all()
    postings: dict[int, list[Posting]] = {}
    heads: dict[int, tuple[str, dt.date, str, str]] = {}
    for r in rows:
        heads[r.entry_no] = (r.code, r.date, r.kind, r.memo)
        postings.setdefault(r.entry_no, []).append(
            Posting(seg[r.segment_id], acc[r.account_id], int(r.amount), flw.get(r.flow_id), seg.get(r.partner_id)))
    return [Entry(code, date, kind, memo, tuple(postings[no])) for no, (code, date, kind, memo) in heads.items()]


def _code_starts_with(conn: sa.Connection, prefix: str) -> sa.ColumnElement[bool]:
    """``entry.code`` begins with ``prefix`` (no wildcard in it), case-sensitive on both databases.

    SQLite's LIKE ignores case, so it cannot use the (book_id, code) index and scans every
    entry of the book (2 s at a million entries); GLOB is case-sensitive, as PostgreSQL's
    LIKE is, and SQLite reads only the matching range of the index.
    """
    if conn.dialect.name == "sqlite":
        return s.entry.c.code.op("GLOB")(prefix + "*")
    return s.entry.c.code.like(prefix + "%")

# ---------------------------------------------------------------- reading back


def book_id(conn: sa.Connection, code: str) -> int:
    """The database id of the stored book ``code``; LedgerViolation if there is none."""
    found: int | None = conn.execute(sa.select(s.book.c.id).where(s.book.c.code == code)).scalar()
    if found is None:
        raise LedgerViolation(f"no book {code!r} in this database")
    return found


def book_codes(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(s.book.c.code).order_by(s.book.c.id)).scalars())


def load_stored_book(conn: sa.Connection, code: str, lock: bool = False) -> Book:
    q = sa.select(s.book).where(s.book.c.code == code)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    b = conn.execute(q).first()
    if b is None:
        raise LedgerViolation(f"no book {code!r} in this database")
    years = tuple(FiscalYear(r.year, r.label, r.state) for r in conn.execute(
        sa.select(s.fiscal_year).where(s.fiscal_year.c.book_id == b.id).order_by(s.fiscal_year.c.year)))
    segments = {r.code: Segment(r.code, r.name) for r in conn.execute(
        sa.select(s.segment).where(s.segment.c.book_id == b.id).order_by(s.segment.c.position))}
    accounts = {r.code: Account(r.code, r.name, r.kind, r.cash, r.inter_segment) for r in conn.execute(
        sa.select(s.account).where(s.account.c.book_id == b.id).order_by(s.account.c.position))}
    flows = {r.code: Flow(r.code, r.name, r.applies_to) for r in conn.execute(
        sa.select(s.flow).where(s.flow.c.book_id == b.id).order_by(s.flow.c.id))}
    layouts = tuple((r.name, r.source) for r in conn.execute(
        sa.select(s.layout).where(s.layout.c.book_id == b.id).order_by(s.layout.c.name)))
    return Book(b.code, b.name, b.report_year, years, Chart(accounts, segments, flows), layouts, dict(b.settings or {}))


CUBE = """
SELECT segment_id, account_id, flow_id, partner_id,
  SUM(CASE WHEN fiscal_year < :y OR (fiscal_year = :y AND kind = 'opening') THEN amount ELSE 0 END),
  SUM(CASE WHEN fiscal_year = :y AND kind <> 'opening' AND period <= :m THEN amount ELSE 0 END),
  SUM(CASE WHEN fiscal_year = :y + 1 AND kind = 'appropriation' THEN amount ELSE 0 END)
FROM balance
WHERE book_id = :book AND fiscal_year <= :y + 1
GROUP BY segment_id, account_id, flow_id, partner_id
"""


def cube(conn: sa.Connection, book_code: str, year: int, through_period: int = 12) -> list[Cell]:
    """The aggregated balances a statement set needs, in one SQL query."""
    ids = book_ids(conn, book_id(conn, book_code))
    seg = {v: k for k, v in ids.segments.items()}
    acc = {v: k for k, v in ids.accounts.items()}
    flw = {v: k for k, v in ids.flows.items()}
    rows = conn.execute(sa.text(CUBE), {"book": ids.book_id, "y": year, "m": through_period}).all()
    # A segment id without a segment row (only possible by tampering) keeps a visible
    # placeholder: it then counts in 合計 but in no segment column, and C-2 reports it.
    return [Cell(seg.get(r[0], f"?{r[0]}"), acc[r[1]], flw.get(r[2]), seg.get(r[3]), int(r[4]), int(r[5]), int(r[6]))
            for r in rows if r[4] or r[5] or r[6]]

"""Read a book directory (docs/book-format.md) into ledger types.

Reading is all-or-nothing: every problem found is collected as an InputError naming the
file, line and field, and a BookError carrying them all is raised before anything is
written anywhere. The journal is read as a stream so a large book is not held twice.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack
from enum import Enum
from itertools import pairwise, repeat
from pathlib import Path
from typing import IO, Any, Final, TypeVar

from ..ledger.errors import BookError, InputError
from ..ledger.invariants import FastCheck, entry_problems
from ..ledger.model import (
    KINDS,
    PERIOD_STATES,
    Account,
    Book,
    Chart,
    Entry,
    FiscalYear,
    Flow,
    Posting,
    Segment,
)
from ..ledger.options import option_problems
from ..ledger.roles import ACCOUNT_ROLES, FLOW_ROLES, Role, unknown_role
from ..ledger.rounding import Rounding
from .files import (
    MAX_BOOK_VOLUME,
    Problems,
    amount_problem,
    check_header,
    csv_rows,
    open_problem,
    parse_amount,
    parse_date,
    volume_problem,
)
from .tomlfile import (
    Bool,
    Either,
    Int,
    KeyLines,
    Stored,
    Strings,
    Table,
    Tables,
    Text,
    parse_toml,
    read_text,
    read_toml,
)

JOURNAL_KINDS = ("regular", "closing", "appropriation")  # the opening entry comes from opening.csv
JOURNAL_COLUMNS = ("entry", "date", "kind", "memo", "segment", "account", "amount", "flow", "partner")
OPENING_COLUMNS = ("segment", "account", "amount", "partner")


# ---------------------------------------------------------------- TOML files

# Lengths the database keeps (store/schema.py; tests/test_bad_input.py holds them equal).
CODE_LIMIT = 64  # book, segment, account, flow codes and entry ids
NAME_LIMIT = 256  # book, segment, account and flow names
LABEL_LIMIT = 64  # fiscal year labels
LAYOUT_NAME_LIMIT = 128  # layout file names

CODE = Text(CODE_LIMIT, nonempty=True)
NAME = Text(NAME_LIMIT, nonempty=True)
BOOK_SHAPE = Table({
    "book": Table({"code": CODE, "name": NAME, "name_en": Text(NAME_LIMIT), "report_year": Int(1, 9998),
                   "policies": Table(rest=Either((Text(), Int(-(2**63), 2**63 - 1)), "a string or an integer")),
                   # [book.closing]: the closing options, each checked by ledger/options.py (which names
                   # the role that replaces a retired account setting)
                   "closing": Table(rest=Stored())}),
    "fiscal_year": Tables(Table({"year": Int(1, 9998), "label": Text(LABEL_LIMIT),
                                 "state": Text(choices=PERIOD_STATES)})),
})
SEGMENTS_SHAPE = Table({"segment": Tables(Table({"code": CODE, "name": NAME, "header": Text(NAME_LIMIT)}))})
SEGMENT_HEADERS = "segment_headers"  # the book's settings key that keeps segments.toml's headers
ROLES = Strings(CODE_LIMIT)  # ledger/roles.py
ACCOUNTS_SHAPE = Table({"account": Tables(Table({"code": CODE, "name": NAME, "kind": Text(), "cash": Bool(),
                                                 "inter_segment": Bool(), "roles": ROLES}))})
FLOWS_SHAPE = Table({"flow": Tables(Table({"code": CODE, "name": NAME, "applies_to": Text(), "roles": ROLES}))})
# docs/layouts.md: statements, schedules, trends (推移) and text statements
_FLOW_LIST = Strings(CODE_LIMIT)
ROUNDING = Text(choices=tuple(r.value for r in Rounding))  # ledger/rounding.py: the named rounding rules
SHOWN = Text(choices=("signed", "magnitude"))  # how an amount's sign prints (presentation only)
LAYOUT_SHAPE = Table({
    "statement": Table({"id": Text(CODE_LIMIT, nonempty=True), "title": Text(), "table": Text(), "segment_table": Text(),
                        "caption": Text(), "unit": Text(), "order": Int(), "entity": Bool(), "budget": Bool(),
                        "columns": Strings(), "rounding": ROUNDING, "basis": Text(), "exclude_flows": _FLOW_LIST,
                        "kind": Text(), "template": Text(), "measure": Text(), "decimals": Int(0, 6),
                        "series": Text(CODE_LIMIT), "before": Text(), "after": Text(), "amount_label": Text(),
                        "zero": Text(), "unit_after": Text(), "show_title": Bool(), "segment_title": Text(),
                        "inner_column": Text(),
                        "role": Text(CODE_LIMIT), "column": Text(), "small_decimals": Int(0, 6),
                        "axis_column": Text(), "axis_x": Text(), "axis_y": Text(), "note_mark_prefix": Text(),
                        "cited_unit": Text(choices=("円", "千円", "百万円", "億円")),
                        "cited_rounding": ROUNDING}),
    "line": Tables(Table({"label": Text(), "id": Text(CODE_LIMIT), "ref": Text(), "segment_ref": Text(),
                          "indent": Int(0, 10),
                          "accounts": Either((Strings(), Table(rest=Strings())),
                                             "an array of account codes or a table of them by role"),
                          "flows": _FLOW_LIST, "exclude_flows": _FLOW_LIST, "basis": Text(), "formula": Text(),
                          "segment_only": Bool(), "ties_to": Text(), "bold": Bool(), "sign": Int(choices=(-1, 1)),
                          "inputs": Either((Text(), Table(rest=Text())), "an input key or a table of them by role"),
                          "mark": Text(), "zero": Text(), "bracket": Bool(), "texts": Table(rest=Text()),
                          "shown": SHOWN,
                          "place": Text(), "role": Text(CODE_LIMIT)})),
    "column": Tables(Table({"id": Text(), "name": Text(), "role": Text(), "basis": Text(), "flows": _FLOW_LIST,
                            "exclude_flows": _FLOW_LIST, "sign": Int(choices=(-1, 1)), "formula": Text(),
                            "unit": Text(), "zero": Text(), "text": Bool(), "header": Text(),
                            "shown": SHOWN})),
    "row": Tables(Table({"segment": Text(), "label": Text()}, required=("segment", "label"))),
    "total": Table({"label": Text()}),
})


T = TypeVar("T")


def _require(table: Mapping[str, Any], key: str, typ: type[T], *, file: str, where: str, errors: Problems) -> T | None:
    """``table[key]`` if it is a ``typ`` (an int is not a bool); else None and a problem."""
    value = table.get(key)
    if value is None:
        errors.add(file, None, key, f"{where}: missing '{key}'")
        return None
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        errors.add(file, None, key, f"{where}: '{key}' must be {typ.__name__}, got {value!r}")
        return None
    return value


def read_chart(root: Path, errors: Problems) -> tuple[dict[str, Any] | None, Chart]:
    """book.toml (None if it cannot be read: a problem says why) and the chart."""
    book = read_toml(root / "book.toml", "book.toml", errors, BOOK_SHAPE)
    segs_doc = read_toml(root / "segments.toml", "segments.toml", errors, SEGMENTS_SHAPE)
    accts_text = read_text(root / "accounts.toml", "accounts.toml", errors)
    accts_doc = None if accts_text is None else parse_toml(accts_text, "accounts.toml", errors, ACCOUNTS_SHAPE)
    flows_text = read_text(root / "flows.toml", "flows.toml", errors)
    flows_doc = None if flows_text is None else parse_toml(flows_text, "flows.toml", errors, FLOWS_SHAPE)

    segments: dict[str, Segment] = {}
    for i, s in enumerate((segs_doc or {}).get("segment", []), 1):
        code = _require(s, "code", str, file="segments.toml", where=f"segment #{i}", errors=errors)
        name = _require(s, "name", str, file="segments.toml", where=f"segment #{i}", errors=errors)
        if code is not None and name is not None:
            if code in segments:
                errors.add("segments.toml", None, "code", f"duplicate segment code {code!r}")
            header = s.get("header")
            segments[code] = Segment(code, name, header)
    if segs_doc is not None and not segs_doc.get("segment"):
        errors.add("segments.toml", None, "segment", "no [[segment]] declared")

    accounts: dict[str, Account] = {}
    for i, a in enumerate((accts_doc or {}).get("account", []), 1):
        where = f"account #{i}"
        code = _require(a, "code", str, file="accounts.toml", where=where, errors=errors)
        name = _require(a, "name", str, file="accounts.toml", where=where, errors=errors)
        kind = _require(a, "kind", str, file="accounts.toml", where=where, errors=errors)
        if kind is not None and kind not in KINDS:
            errors.add("accounts.toml", None, "kind", f"{where} ({code}): unknown kind {kind!r}; expected {', '.join(KINDS)}")
            kind = None
        if code is not None and name is not None and kind is not None:
            if code in accounts:
                errors.add("accounts.toml", None, "code", f"duplicate account code {code!r}")
            accounts[code] = Account(code, name, kind, a.get("cash", False), a.get("inter_segment", False),
                                     tuple(a.get("roles", ())))
    if accts_doc is not None and not accts_doc.get("account"):
        errors.add("accounts.toml", None, "account", "no [[account]] declared")

    flows: dict[str, Flow] = {}
    for i, f in enumerate((flows_doc or {}).get("flow", []), 1):
        where = f"flow #{i}"
        code = _require(f, "code", str, file="flows.toml", where=where, errors=errors)
        name = _require(f, "name", str, file="flows.toml", where=where, errors=errors)
        applies = f.get("applies_to", "any")
        if applies not in ("cash", "net_assets", "any"):
            errors.add("flows.toml", None, "applies_to", f"{where} ({code}): must be cash, net_assets or any")
        if code is not None and name is not None:
            if code in flows:
                errors.add("flows.toml", None, "code", f"duplicate flow code {code!r}")
            flows[code] = Flow(code, name, applies, tuple(f.get("roles", ())))
    if flows_doc is not None and not flows and any(a.cash or a.kind == "net_assets" for a in accounts.values()):
        errors.add("flows.toml", None, "flow", "no [[flow]] declared: postings to cash and net-asset accounts need flows")
    if accts_doc is not None:
        errors.extend(role_problems(accts_doc.get("account", []), "account", ACCOUNT_ROLES, "accounts.toml", accts_text or ""))
    if flows_doc is not None:
        errors.extend(role_problems(flows_doc.get("flow", []), "flow", FLOW_ROLES, "flows.toml", flows_text or ""))
    return book, Chart(accounts, segments, flows)


def role_problems(items: list[dict[str, Any]], table: str, vocabulary: dict[str, Role], file: str,
                  text: str) -> list[InputError]:
    """Every role of ``items`` (the [[account]] or [[flow]] tables) must be in ``vocabulary``,
    once per item, and a unique role on one item only; each problem located by its line."""
    lines = KeyLines(text)
    out: list[InputError] = []
    holders: dict[str, str] = {}  # unique role → the code that holds it
    for i, item in enumerate(items):
        line = lines.line((table, i, "roles"))
        roles = item.get("roles", [])
        where = f"{table} {item.get('code')!r}"
        for role in dict.fromkeys(roles):
            if roles.count(role) > 1:
                out.append(InputError(file, line, "roles", f"{where}: role {role!r} given twice"))
            if role not in vocabulary:
                out.append(InputError(file, line, "roles", f"{where}: {unknown_role(role, vocabulary)}"))
            elif vocabulary[role].unique and role in holders and holders[role] != str(item.get("code")):
                out.append(InputError(file, line, "roles", f"{where}: role {role!r} is already held by {table} "
                                      f"{holders[role]!r}; it belongs to one {table} only"))
            else:
                holders.setdefault(role, str(item.get("code")))
    return out


def _fiscal_years(book_doc: Mapping[str, Any], errors: Problems) -> tuple[FiscalYear, ...]:
    years: list[FiscalYear] = []
    for i, fy in enumerate(book_doc.get("fiscal_year", []), 1):
        year = _require(fy, "year", int, file="book.toml", where=f"fiscal_year #{i}", errors=errors)
        label = fy.get("label") or f"{year}年度"
        if year is not None:
            years.append(FiscalYear(year, label, fy.get("state", "OPEN")))
    years.sort(key=lambda f: f.year)
    if not years:
        errors.add("book.toml", None, "fiscal_year", "no [[fiscal_year]] declared")
    for a, b in pairwise(years):
        if b.year != a.year + 1:
            errors.add("book.toml", None, "fiscal_year", f"fiscal years must be consecutive: {a.year} then {b.year}")
    return tuple(years)


def _closing_options(root: Path, meta: Mapping[str, Any], chart: Chart, errors: Problems) -> None:
    """[book.closing] holds the closing options (ledger/options.py): known keys, valid values."""
    problems = option_problems(meta.get("closing", {}), chart.accounts)
    lines = KeyLines(read_text(root / "book.toml", "book.toml", Problems()) or "") if problems else None
    for key, message in problems:
        errors.add("book.toml", lines.line(("book", "closing", key)) if lines else None, f"closing.{key}", message)


def _layouts(root: Path, errors: Problems) -> tuple[tuple[str, str], ...]:
    out = []
    folder = root / "layouts"
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        name = f"layouts/{path.name}"
        if len(path.name) > LAYOUT_NAME_LIMIT:
            errors.add(name, None, None, f"a layout file name has at most {LAYOUT_NAME_LIMIT} characters")
            continue
        text = read_text(path, name, errors)
        if text is None or parse_toml(text, name, errors, LAYOUT_SHAPE) is None:
            continue
        out.append((path.name, text))
    return tuple(out)


def read_book(root: Path | str) -> Book:
    """Read everything but the journal and opening balances; raise BookError on problems."""
    root = Path(root)
    errors = Problems()
    if not root.is_dir():
        raise BookError([InputError(str(root), None, None, "book directory not found")])
    book_doc, chart = read_chart(root, errors)
    meta: dict[str, Any] = book_doc.get("book", {}) if book_doc is not None else {}
    code = _require(meta, "code", str, file="book.toml", where="[book]", errors=errors) if book_doc is not None else None
    years = _fiscal_years(book_doc, errors) if book_doc is not None else ()
    report_year = meta.get("report_year", years[0].year if years else None)
    if years and report_year not in {fy.year for fy in years}:
        errors.add("book.toml", None, "report_year", f"report_year {report_year} is not a declared fiscal year")
    _closing_options(root, meta, chart, errors)
    layouts = _layouts(root, errors)
    errors.raise_if_any()
    # without a problem, book.toml was read, with a code and a declared report_year
    assert code is not None and report_year is not None
    name = meta.get("name", code)
    settings = {k: v for k, v in meta.items() if k not in ("code", "name", "report_year")}
    # segments.toml's column headers (the name broken at declared points) travel with the book's
    # settings, so a book loaded into a database prints them too
    if headers := {s.code: s.header for s in chart.segments.values() if s.header}:
        settings[SEGMENT_HEADERS] = headers
    return Book(code, name, report_year, years, chart, layouts, settings)


# ---------------------------------------------------------------- CSV files


def _open_csv(path: Path, columns: tuple[str, ...], errors: Problems) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, row) of a UTF-8 CSV whose header must be exactly ``columns``."""
    for numbers, rows in _csv_blocks(path, columns, errors):
        yield from zip(numbers, rows, strict=True)


# A large journal is split here rather than by the csv module, which costs about as much as
# all the validation. The fast path only ever sees text the csv module would read the same
# way: valid UTF-8 without a quote, a carriage return or a NUL, lines no longer than the
# csv field limit. There a row is simply line.split(","), and an empty line an empty row.
# At the first block that is not like that, the reference reader (files.csv_rows) takes over: it reads the
# file from the start and its first rows, those already yielded, are skipped. A block is
# only yielded once the file is known to be clean well past it, so the reference reader
# (which decodes at most 8 KiB ahead) has returned at least those rows before it meets
# the problem, and every result, errors included, is the one it alone would give.
CSV_BLOCK = 1 << 20  # bytes
CSV_LOOKAHEAD = 1 << 16  # bytes; more than io.TextIOWrapper reads ahead (8 KiB)


def _csv_blocks(path: Path, columns: tuple[str, ...], errors: Problems) -> Iterator[tuple[Iterable[int], Iterable[list[str]]]]:
    """Yield (line numbers, rows) in blocks of equal length, after checking the header.

    The rows of a clean block are split as the caller iterates (``map``, no Python-level
    call per row), which keeps one row list alive at a time.
    """
    name = path.name
    done = -1  # data rows yielded; -1 while the header is not read
    line = 1
    with ExitStack() as stack:
        try:
            fh = stack.enter_context(open(path, "rb"))
        except OSError as exc:
            errors.add(name, None, None, open_problem(exc))
            return
        for lines in _clean_blocks(fh, csv.field_size_limit()):
            if lines is None:
                break
            if done < 0:
                if not lines:
                    continue
                header = lines[0].split(",") if lines[0] else []
                if not check_header(header, columns, name, errors):
                    return
                del lines[0]
                done = 0
                line = 2
            if lines:
                if "" in lines:  # csv reads an empty line as an empty row
                    yield range(line, line + len(lines)), [t.split(",") if t else [] for t in lines]
                else:
                    yield range(line, line + len(lines)), map(str.split, lines, repeat(","))
                line += len(lines)
                done += len(lines)
        else:
            if done < 0:
                errors.add(name, 1, None, "empty file: expected a header row")
            return
    rest = csv_rows(path, columns, errors)
    for _ in range(max(done, 0)):
        if next(rest, None) is None:
            return
    for number, row in rest:
        yield (number,), (row,)


def _clean_blocks(fh: IO[bytes], limit: int) -> Iterator[list[str] | None]:
    """Lines of ``fh`` block by block while the file is clean; None (and stop) where not.

    A block is yielded only once the file is known to be clean for CSV_LOOKAHEAD bytes
    after it (or to its end): the reference reader decodes at most 8 KiB ahead of the
    rows it has returned, so it has returned at least the rows yielded here before it
    reaches anything the fast path could not read.
    """
    ready: deque[tuple[list[str], int]] = deque()  # clean blocks not yet yielded, with their end offset
    end = 0  # end offset of the clean part read so far
    tail = b""
    while True:
        chunk = fh.read(CSV_BLOCK)
        data = tail + chunk if tail else chunk
        if chunk:
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) <= 4 * limit:
                tail = data  # no line end yet: read on
                continue
            data, tail = (data[:cut], data[cut:]) if cut else (data, b"")
            final = False
        else:
            final = True
        lines = _clean_lines(data, limit) if data else []
        if lines is None or (not final and not cut):
            yield None
            return
        if not final:
            lines.pop()  # the empty string after the block's last line end
        end += len(data)
        ready.append((lines, end))
        while ready and (final or end - ready[0][1] >= CSV_LOOKAHEAD):
            yield ready.popleft()[0]
        if final:
            return


def _clean_lines(data: bytes, limit: int) -> list[str] | None:
    if b'"' in data or b"\r" in data or b"\0" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if max(map(len, lines)) > limit:
        return None
    return lines


def read_opening(root: Path, book: Book, errors: Problems) -> Entry | None:
    path = Path(root) / "opening.csv"
    if not path.exists():
        return None
    postings = []
    first_line = 2
    for line, row in _open_csv(path, OPENING_COLUMNS, errors):
        if len(row) != len(OPENING_COLUMNS):
            errors.add(path.name, line, None, f"expected {len(OPENING_COLUMNS)} fields, got {len(row)}")
            continue
        seg, acct, amt, partner = (c.strip() for c in row)
        amount = parse_amount(amt)
        if amount is None:
            errors.add(path.name, line, "amount", amount_problem(amt))
            continue
        postings.append((line, Posting(seg, acct, amount, None, partner or None)))
    if not postings:
        return None
    fy = book.fiscal_years[0]
    entry = Entry(f"OPEN-{fy.year}", fy.start, "opening", f"{fy.label} 期首残高", tuple(p for _, p in postings), first_line)
    years = {f.year: f for f in book.fiscal_years}
    problems = entry_problems(entry, book.chart, years)
    for idx, fld, msg in problems:
        errors.add(path.name, postings[idx][0] if idx >= 0 else _opening_line(postings, msg), fld, msg)
    return None if problems else entry


def _opening_line(postings: list[tuple[int, Posting]], message: str) -> int:
    """The line an opening-balance problem of the whole entry points at: the first line of the
    segment that does not balance, else the first line."""
    for line, p in postings:
        if f"within segment {p.segment}:" in message:
            return line
    return postings[0][0]


_new_tuple = tuple.__new__  # builds a NamedTuple without its Python-level __new__


class _Unseen(Enum):
    TOKEN = 0


_UNSEEN: Final = _Unseen.TOKEN  # a date text not parsed yet


def iter_journal(root: Path, book: Book, errors: Problems, *, carried: int = 0) -> Iterator[Entry]:
    """Stream validated entries from the book directory's journal.csv; problems go to ``errors``."""
    return iter_journal_file(Path(root) / "journal.csv", book, errors, carried=carried)


def iter_journal_file(path: Path, book: Book, errors: Problems, *, carried: int = 0) -> Iterator[Entry]:
    """Stream validated entries from a journal file (journal.csv, or one imported as drafts).

    ``carried`` is Σ|amount| of what the book holds besides the journal (its opening
    balances): the journal may add at most MAX_BOOK_VOLUME to it, so that no sum overflows.

    This is the hot loop of a large load, so it avoids per-row work where it can: dates
    are parsed once per distinct text, plain integer amounts skip the strict parser, and
    an entry is checked by ``FastCheck`` first; only an entry it rejects goes through
    ``entry_problems`` for the messages.
    """
    name = path.name
    chart = book.chart
    years = {f.year: f for f in book.fiscal_years}
    fast_ok = FastCheck(chart, years).ok
    seen: set[str] = set()
    ncol = len(JOURNAL_COLUMNS)
    dates: dict[str, dt.date | None] = {}
    kinds = frozenset(JOURNAL_KINDS)

    cur_id: str | None = None
    head: tuple[int, dt.date, str, str] | None = None  # (line, date, kind, memo)
    bare = False  # a later row of the current entry left date, kind and memo empty
    lines: list[int] = []
    postings: list[Posting] = []
    volume, volume_ok = carried, True

    def finish() -> Entry | None:
        if cur_id is None or head is None:
            return None
        line, day, kind, memo = head
        entry = _new_tuple(Entry, (cur_id, day, kind, memo, tuple(postings), line, None))
        if fast_ok(entry):
            return entry
        problems = entry_problems(entry, chart, years)
        if problems:
            for idx, fld, msg in problems:
                errors.add(name, lines[idx] if idx >= 0 else line, fld, msg)
            return None
        return entry

    for numbers, rows in _csv_blocks(path, JOURNAL_COLUMNS, errors):
        for line, row in zip(numbers, rows, strict=True):
            if len(row) != ncol:
                errors.add(name, line, None, f"expected {ncol} fields, got {len(row)}")
                continue
            eid, date_s, kind, memo, seg, acct, amt, flow, partner = row
            eid = eid.strip()
            if not eid:
                errors.add(name, line, "entry", "missing entry id")
                continue
            if eid != cur_id:
                done = finish()
                if done is not None:
                    yield done
                duplicate = eid in seen
                if duplicate:
                    errors.add(name, line, "entry",
                               f"duplicate entry id {eid!r} (rows of one entry must be contiguous and ids unique)")
                seen.add(eid)
                cur_id, lines, postings, bare = eid, [], [], False
                too_long = len(eid) > CODE_LIMIT
                if too_long:
                    errors.add(name, line, "entry", f"entry id of {len(eid)} characters; at most {CODE_LIMIT}")
                day = dates.get(date_s, _UNSEEN)
                if day is _UNSEEN:
                    day = dates[date_s] = parse_date(date_s)
                if day is None:
                    errors.add(name, line, "date", f"bad date {date_s!r}: expected YYYY-MM-DD")
                k = kind.strip()
                if k not in kinds:
                    what = "the opening entry is opening.csv" if k == "opening" else "unknown entry kind"
                    errors.add(name, line, "kind", f"{what} {k!r} (expected one of {', '.join(JOURNAL_KINDS)})")
                # an entry whose head is bad is not checked further: its problems are reported
                head = None if duplicate or too_long or day is None or k not in kinds else (line, day, k, memo.strip())
            elif not (date_s.strip() or kind.strip() or memo.strip()):
                bare = True
            elif bare and head is not None and date_s.strip() and kind.strip():
                # the entry's rows left the head empty, and this one gives a date and a kind
                # again, as a first row does: a second entry under the same id, which would
                # otherwise merge silently into the first (a row repeating only a memo, or
                # every row repeating the whole head, is still one entry)
                errors.add(name, line, "entry", f"entry {eid} starts again here (its earlier rows left date, kind and "
                                                f"memo empty): entry ids are unique, give this entry its own id")
                head = None
            elif head is not None and (differs := _differs(head, date_s, kind, memo)):
                errors.add(name, line, differs,
                           f"entry {eid}: date, kind and memo must be empty or equal to the entry's first row")
            if len(amt) < 16 and amt.isascii() and (amt.isdigit() or (amt[:1] == "-" and amt[1:].isdigit())):
                amount = int(amt)  # the common case (below 10^15); parse_amount decides everything else
            else:
                parsed = parse_amount(amt)
                if parsed is None:
                    errors.add(name, line, "amount", amount_problem(amt))
                    head = None
                    continue
                amount = parsed
            volume += amount if amount >= 0 else -amount
            if volume > MAX_BOOK_VOLUME and volume_ok:
                errors.add(name, line, "amount", volume_problem(name))
                volume_ok = False
            lines.append(line)
            postings.append(_new_tuple(Posting, (seg.strip(), acct.strip(), amount, flow.strip() or None,
                                                 partner.strip() or None)))
    done = finish()
    if done is not None:
        yield done


def _differs(head: tuple[int, dt.date, str, str], date_s: str, kind: str, memo: str) -> str | None:
    """The first of date, kind and memo that a later row of an entry gives otherwise than its
    first row (blank means not given)."""
    for fld, given, first in (("date", date_s, head[1].isoformat()), ("kind", kind, head[2]), ("memo", memo, head[3])):
        if (text := given.strip()) and text != first:
            return fld
    return None


def read_all(root: Path | str) -> tuple[Book, list[Entry]]:
    """Read and validate the whole book; raise BookError listing every problem."""
    root = Path(root)
    book = read_book(root)
    errors = Problems()
    entries: list[Entry] = []
    opening = read_opening(root, book, errors)
    if opening is not None:
        entries.append(opening)
    entries.extend(iter_journal(root, book, errors, carried=volume(opening)))
    errors.raise_if_any()
    return book, entries


def volume(entry: Entry | None) -> int:
    """Σ|amount| of an entry's postings (0 for none): what it adds to the book's volume."""
    return sum(abs(p.amount) for p in entry.postings) if entry else 0

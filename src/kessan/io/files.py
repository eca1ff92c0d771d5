"""What every reader of a book directory shares: collecting problems, reading a CSV through
the one reference reader, a TOML error's line, strict integer yen.

The journal (reader.py), budgets (budget.py), history (history.py), inputs (inputs.py) and
registers (subledgers.py) all read through here, so a header, encoding or quoting problem
is reported the same way everywhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

from ..ledger.errors import BookError, InputError

MAX_ERRORS = 50


class Problems:
    """The problems found while reading, each naming file, line and field (at most MAX_ERRORS)."""

    def __init__(self) -> None:
        self.items: list[InputError] = []

    def add(self, file: str, line: int | None, field: str | None, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(InputError(file, line, field, message))

    def extend(self, errors: list[InputError]) -> None:
        for e in errors:
            self.add(e.file, e.line, e.field, e.message)

    def raise_if_any(self) -> None:
        if self.items:
            raise BookError(self.items)


def toml_line(exc: Exception) -> int | None:
    """Line of a TOML error: ``lineno`` on Python ≥ 3.14, else parsed from the message."""
    line = getattr(exc, "lineno", None)
    if line is None:
        m = re.search(r"at line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
    return line


def csv_rows(path: Path, columns: tuple[str, ...], problems: Problems, name: str | None = None,
             required: bool = True) -> Iterator[tuple[int, list[str]]]:
    """The reference reader (csv module): yield (line number, row) after the header.

    The header must be exactly ``columns``. ``name`` is the path shown in messages (e.g.
    budget/2020-final.csv); a file that is not ``required`` may be absent.
    """
    name = name or path.name
    with ExitStack() as stack:
        try:
            fh = stack.enter_context(open(path, encoding="utf-8", newline=""))
        except OSError as exc:
            if required or not isinstance(exc, FileNotFoundError):
                problems.add(name, None, None, open_problem(exc))
            return
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                problems.add(name, 1, None, "empty file: expected a header row")
                return
            if not check_header(header, columns, name, problems):
                return
            start = reader.line_num + 1  # a row's number is the line it starts on (a quoted field may span lines)
            for row in reader:
                if any("\0" in cell for cell in row):
                    k = next(k for k, cell in enumerate(row) if "\0" in cell)
                    problems.add(name, start, columns[k] if k < len(columns) else None,
                                 "a NUL character (byte 0): not a text file, or a damaged one")
                else:
                    yield start, row
                start = reader.line_num + 1
        except UnicodeDecodeError as exc:
            hint = " (UTF-16?)" if _utf16(path) else ""
            problems.add(name, _first_bad_line(path), None,
                         f"wrong encoding: not UTF-8{hint} ({exc.reason}); save the file as UTF-8")
        except csv.Error as exc:
            problems.add(name, reader.line_num, None, f"malformed CSV: {exc}")


def check_header(header: list[str], columns: tuple[str, ...], name: str, problems: Problems) -> bool:
    """Whether a CSV header row is ``columns`` (a UTF-8 byte-order mark is ignored); else a problem."""
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    if tuple(h.strip() for h in header) != columns:
        problems.add(name, 1, None, f"header must be {','.join(columns)}; got {','.join(header)}")
        return False
    return True


def _utf16(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) in (b"\xff\xfe", b"\xfe\xff")


def _first_bad_line(path: Path) -> int | None:
    """Line number of the first line that is not valid UTF-8 (decoding reads ahead in blocks)."""
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return n
    return None


def open_problem(exc: OSError) -> str:
    """Why a file of the book could not be opened, as a located problem says it."""
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "a folder, not a file"
    return f"cannot be read: {exc.strerror or exc}"


# The largest amount kessan keeps, ±1,000兆円: far beyond any public body's books, and a sum of
# millions of such amounts still fits the databases' 64-bit integers.
MAX_YEN = 10**15


# The most a book's amounts may add up to in absolute value (Σ|amount|): no sum kessan or the
# database forms over them (an aggregate, a statement line, a check) can then leave a signed
# 64-bit integer (±9,223,372,036,854,775,807), whatever the signs and the grouping.
MAX_BOOK_VOLUME = 9 * 10**18


def volume_problem(file: str) -> str:
    """Why a file was refused whose amounts add up beyond MAX_BOOK_VOLUME."""
    return (f"the amounts of the book up to this line add up to more than {MAX_BOOK_VOLUME:,} yen in absolute "
            f"value ({file} and the opening balances): sums over them could overflow the database's 64-bit integers")


def parse_amount(text: str) -> int | None:
    """Strict integer yen: optional sign, digits only, at most MAX_YEN in magnitude; None if
    ``text`` is anything else (``amount_problem`` says why)."""
    t = text.strip()
    body = t[1:] if t[:1] in "+-" else t
    if not body.isascii() or not body.isdigit() or len(body.lstrip("0")) > 16:
        return None
    value = int(t)
    return value if abs(value) <= MAX_YEN else None


def parse_int(text: str, lo: int, hi: int) -> int | None:
    """A strict integer between ``lo`` and ``hi`` (an optional sign and ASCII digits), else None."""
    value = parse_amount(text)
    return value if value is not None and lo <= value <= hi else None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: str) -> dt.date | None:
    """A date written YYYY-MM-DD (surrounding blanks allowed), else None: not 20200510, not
    2020-W19-7, which Python's fromisoformat would also take."""
    t = text.strip()
    if not _ISO_DATE.fullmatch(t):
        return None
    try:
        return dt.date.fromisoformat(t)
    except ValueError:  # 2020-02-30
        return None


DECIMAL = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def amount_problem(text: str) -> str:
    """Why parse_amount refused ``text``, for a located input error."""
    t = text.strip()
    body = t[1:] if t[:1] in "+-" else t
    if body.isascii() and body.isdigit():
        return f"amount {t} is beyond ±{MAX_YEN:,} yen, the largest amount kessan keeps"
    return f"not an integer amount of yen: {text!r}"

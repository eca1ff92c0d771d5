"""Reading a TOML file of a book directory: the encoding, the syntax and the shape of its
values (types, required tables, lengths, ranges, choices) in one place, every problem located
by file, line and key.

A reader declares the shape it expects and gets the document only when it has that shape, so
what it reads next is of the types it assumes (an ``int`` where it adds, a ``list`` where it
iterates). A table is closed: a key its shape does not name is an error (a typo such as
``acount`` must not be ignored and the default used silently), unless the table says what
every other key must be (``rest``, e.g. the values of ``[book.policies]``)::

    SEGMENTS = Table({"segment": Tables(Table({"code": Text(limit=64, nonempty=True), "name": Text()}))})
    doc = read_toml(root / "segments.toml", "segments.toml", problems, SEGMENTS)   # None: a problem says why
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..ledger.errors import InputError
from .files import MAX_YEN, Problems, toml_line

# ---------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Text:
    """A string: at most ``limit`` characters (the database keeps no more), not blank if
    ``nonempty``, one of ``choices`` if given."""

    limit: int | None = None
    nonempty: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Int:
    """An integer (not a boolean) between ``lo`` and ``hi``, or one of ``choices``."""

    lo: int = -MAX_YEN
    hi: int = MAX_YEN
    choices: tuple[int, ...] = ()


@dataclass(frozen=True)
class Bool:
    pass


@dataclass(frozen=True)
class Date:
    """A TOML date (2021-03-12), not a date-time."""


@dataclass(frozen=True)
class Strings:
    """An array of strings, each at most ``limit`` characters."""

    limit: int | None = None


@dataclass(frozen=True)
class Stored:
    """Anything the book's settings can store as JSON: strings, integers, finite numbers,
    booleans, and arrays and tables of them (no dates or times)."""


@dataclass(frozen=True)
class Either:
    options: tuple[Shape, ...]
    what: str  # "a string or a table of strings"


@dataclass(frozen=True)
class Table:
    """A table (``[name]`` or an inline table): the shapes of its known keys, the keys it must
    have; ``rest`` is the shape of every other key (None: no other key is allowed)."""

    fields: dict[str, Shape] = field(default_factory=dict)
    rest: Shape | None = None
    required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tables:
    """An array of tables (``[[name]]``)."""

    item: Table


Shape = Text | Int | Bool | Date | Strings | Stored | Either | Table | Tables

_TYPE_NAMES = {Text: "a string", Int: "an integer", Bool: "true or false", Date: "a date (YYYY-MM-DD)",
               Strings: "an array of strings", Stored: "a string, number, boolean, array or table",
               Table: "a table", Tables: "an array of tables ([[…]])"}


def _describe(shape: Shape) -> str:
    return shape.what if isinstance(shape, Either) else _TYPE_NAMES[type(shape)]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


KeyPath = tuple[str | int, ...]  # keys and array indexes from the top of the document


def shape_problems(doc: dict[str, Any], shape: Table, name: str, text: str = "") -> list[InputError]:
    """Every value of ``doc`` that does not have the declared shape, located by line and key."""
    lines = KeyLines(text)
    out: list[InputError] = []

    def where(path: KeyPath) -> str:
        parts: list[str] = []
        for p in path:
            if isinstance(p, int):
                parts[-1] = f"{parts[-1]} #{p + 1}"
            else:
                parts.append(p)
        return ".".join(parts) or "the file"

    def fail(path: KeyPath, message: str) -> None:
        key = next((p for p in reversed(path) if isinstance(p, str)), None)
        out.append(InputError(name, lines.line(path), key, f"{where(path)}: {message}"))

    def visit(value: Any, shp: Shape, path: KeyPath) -> None:
        problem = _value_problem(value, shp)
        if problem is not None:
            fail(path, problem)
            return
        if isinstance(shp, Either):
            return
        if isinstance(shp, Tables):
            for i, item in enumerate(value):
                visit(item, shp.item, (*path, i))
        elif isinstance(shp, Table):
            for key in shp.required:
                if key not in value:
                    out.append(InputError(name, lines.line(path), key, f"{where(path)}: missing '{key}'"))
            for key, item in value.items():
                sub = shp.fields.get(key, shp.rest)
                if sub is None:
                    fail((*path, key), _unknown_key(key, shp))
                else:
                    visit(item, sub, (*path, key))
        elif isinstance(shp, Stored) and isinstance(value, dict):
            for key, item in value.items():
                visit(item, shp, (*path, key))
        elif isinstance(shp, Stored) and isinstance(value, list):
            for item in value:
                visit(item, shp, path)

    visit(doc, shape, ())
    return out


def _unknown_key(key: str, table: Table) -> str:
    """Why ``key`` is refused: the table does not name it; the keys it knows, the nearest first."""
    known = sorted(table.fields)
    near = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean '{near[0]}'?" if near else ""
    return f"unknown key {_show(key)}{hint} (known keys: {', '.join(known) or 'none'})"


def _value_problem(value: Any, shape: Shape) -> str | None:
    """Why ``value`` does not have ``shape`` (its own level only), or None."""
    if isinstance(shape, Either):
        if any(_value_problem(value, opt) is None and _nested_ok(value, opt) for opt in shape.options):
            return None
        return f"must be {shape.what}, got {_show(value)}"
    ok = {Text: isinstance(value, str), Int: isinstance(value, int) and not isinstance(value, bool),
          Bool: isinstance(value, bool), Date: isinstance(value, dt.date) and not isinstance(value, dt.datetime),
          Strings: isinstance(value, list) and all(isinstance(v, str) for v in value),
          Table: isinstance(value, dict), Tables: isinstance(value, list) and all(isinstance(v, dict) for v in value),
          Stored: isinstance(value, str | int | bool | list | dict) or (isinstance(value, float) and math.isfinite(value)),
          }[type(shape)]
    if not ok:
        return f"must be {_describe(shape)}, got {_show(value)}"
    if isinstance(shape, Text):
        if shape.nonempty and not value.strip():
            return "must not be empty"
        if shape.limit is not None and len(value) > shape.limit:
            return f"{len(value)} characters; at most {shape.limit}"
        if shape.choices and value not in shape.choices:
            return f"{_show(value)} is not one of {', '.join(shape.choices)}"
    if isinstance(shape, Int):
        if shape.choices and value not in shape.choices:
            return f"{value} is not one of {', '.join(map(str, shape.choices))}"
        if not shape.choices and not shape.lo <= value <= shape.hi:
            return f"{value} is not between {shape.lo:,} and {shape.hi:,}"
    if isinstance(shape, Strings) and shape.limit is not None and (long := [v for v in value if len(v) > shape.limit]):
        return f"{_show(long[0])}: {len(long[0])} characters; at most {shape.limit}"
    return None


def _nested_ok(value: Any, shape: Shape) -> bool:
    """Whether every value inside ``value`` has its shape too (for the options of Either)."""
    return not shape_problems({"v": value}, Table({"v": shape}), "")


# ---------------------------------------------------------------- reading


def decode(data: bytes, name: str, problems: Problems) -> str | None:
    """The text of a UTF-8 file (a byte-order mark is dropped); None and a located problem if
    it is not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.add(name, 1, None, "wrong encoding: UTF-16 (or UTF-32); save the file as UTF-8")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(name, line, None, f"wrong encoding: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                     "save the file as UTF-8")
        return None
    return text.removeprefix("\ufeff")


def read_bytes(path: Path, name: str, problems: Problems, *, required: bool = True) -> bytes | None:
    """The bytes of a file; None, and a problem unless it is an optional file that is absent."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if required:
            problems.add(name, None, None, "file not found")
    except IsADirectoryError:
        problems.add(name, None, None, "a folder, not a file")
    except OSError as exc:
        problems.add(name, None, None, f"cannot be read: {exc.strerror or exc}")
    return None


def read_text(path: Path, name: str, problems: Problems, *, required: bool = True) -> str | None:
    data = read_bytes(path, name, problems, required=required)
    return None if data is None else decode(data, name, problems)


def parse_toml(text: str, name: str, problems: Problems, shape: Table | None = None) -> dict[str, Any] | None:
    """The document of a TOML text if it parses and has ``shape``; else None and the problems."""
    try:
        doc = tomllib.loads(text)
        found = shape_problems(doc, shape, name, text) if shape is not None else []
    except tomllib.TOMLDecodeError as exc:
        problems.add(name, toml_line(exc), None, f"malformed TOML: {exc}")
        return None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        problems.add(name, None, None, "malformed TOML: arrays or tables nested too deeply")
        return None
    if found:
        problems.extend(found)
        return None
    return doc


def read_toml(path: Path, name: str, problems: Problems, shape: Table | None = None, *,
              required: bool = True) -> dict[str, Any] | None:
    """A TOML file of the book read, parsed and checked against ``shape``; None if it cannot be
    used (the problems say why) or is an optional file that is absent."""
    text = read_text(path, name, problems, required=required)
    return None if text is None else parse_toml(text, name, problems, shape)


# ---------------------------------------------------------------- where a key is


_NAME = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_DOTTED = rf"{_NAME}(?:\s*\.\s*{_NAME})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_KEY = re.compile(rf"^\s*({_DOTTED})\s*=")


def _dotted(text: str) -> tuple[str, ...]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


class KeyLines:
    """Line numbers of the tables and keys of a TOML text, by path (("account", 2, "cash")).

    A light scan, not a parser: it follows headers, ``key =`` lines, multi-line strings and
    arrays, which is all the book's files use; a key it cannot place has no line (None)."""

    def __init__(self, text: str):
        self.lines: dict[KeyPath, int] = {}
        arrays: dict[tuple[str, ...], int] = {}  # array-of-tables name → index of its current table
        table: KeyPath = ()
        depth = 0  # open brackets of a multi-line array
        quote: str | None = None  # the delimiter of an open multi-line string
        for number, line in enumerate(text.splitlines(), 1):
            if quote is not None:
                if line.count(quote) % 2:
                    quote = None
                continue
            if depth > 0:
                depth += _brackets(line)
                continue
            if m := _HEADER.match(line):
                names = _dotted(m.group(2))
                if m.group(1) == "[[":
                    arrays[names] = arrays.get(names, -1) + 1
                    for other in [k for k in arrays if k[:len(names)] == names and len(k) > len(names)]:
                        del arrays[other]  # a new table of the array: its own arrays start again
                table = self._path(names, arrays)
                self.lines.setdefault(table, number)
                continue
            if m := _KEY.match(line):
                self.lines.setdefault((*table, *_dotted(m.group(1))), number)
                rest = line[m.end():]
                for delim in ('"""', "'''"):
                    if rest.count(delim) % 2:
                        quote = delim
                        break
                else:
                    depth = max(_brackets(rest), 0)

    @staticmethod
    def _path(names: tuple[str, ...], arrays: dict[tuple[str, ...], int]) -> KeyPath:
        path: list[str | int] = []
        for k in range(1, len(names) + 1):
            path.append(names[k - 1])
            if names[:k] in arrays:
                path.append(arrays[names[:k]])
        return tuple(path)

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, else of the nearest table around it."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def _brackets(text: str) -> int:
    """Opened minus closed brackets outside strings and comments."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', "", text).split("#", 1)[0]
    return text.count("[") - text.count("]")

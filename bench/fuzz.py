"""Fuzz the readers: feed thousands of generated book directories, most of them broken, to the
real load path and count what must never happen (scripts/fuzz; a script, not a test).

    scripts/fuzz [--books N] [--seed S] [--jobs J] [--pg-url URL | --no-pg] [--keep DIR] [--only NAME]

Each book starts as a copy of a valid book (tests/books/mini or examples/jlis-fy2020) and gets
one mutation, drawn by Hypothesis from a fixed seed: a wrong encoding, a NUL byte, a truncated
or padded line, an unknown code, an unbalanced entry, a bad date or amount, a TOML syntax
error or a value of the wrong type, a duplicate id, an empty or missing file, … — and some
mutations that keep the book valid (a new balanced entry, reordered rows, a BOM, CRLF line
ends, a formula or markup in a text). The mutation says, independently of kessan, whether the
book is still valid: that is the oracle.

Every book then goes through the application layer (`kessan.app.load` into a SQLite database;
for a sample also PostgreSQL, `open_book` + `report()` + `checks()`, and `kessan load` through
Typer's CliRunner). Counted:

* invalid inputs accepted — a broken book loaded without error (must be 0);
* tracebacks — any exception other than `kessan.app.AppError`, a CLI exit 70 or a
  "Traceback" in its output, or a book that takes longer than --timeout (must be 0);
* half-written databases — a rejected load that left a row in any table (must be 0);
* valid inputs rejected — false alarms (must be 0);
* unlocated rejections — a rejection whose problems do not name the broken file (and, for a
  broken CSV row, its line) (must be 0);
* wrong results — a valid book whose load reports another number of postings (must be 0).

The run exits 1 if any of them is not 0. The books are split over the two base books and the
mutations in proportion to the mutations' weights, and each (base book, mutation) is one
Hypothesis run with its own seed, derived from --seed: the same seed and --books give the same
books whatever --jobs.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import hashlib
import io
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import traceback
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kessan import app as kessan
from kessan.cli import app as cli_app

ROOT = Path(__file__).resolve().parent.parent
BASE_DIRS = {"mini": ROOT / "tests" / "books" / "mini", "jlis": ROOT / "examples" / "jlis-fy2020"}
SKIP = ("published", "derivation", "README.md", "known_differences.csv")
DEFAULT_SEED = 20240611
MAX_YEN = 10**15
FIELD_LIMIT = 131072  # csv.field_size_limit(): the longest field a CSV file may hold
JOURNAL = ["entry", "date", "kind", "memo", "segment", "account", "amount", "flow", "partner"]
ENTRY_KINDS = ("opening", "regular", "closing", "appropriation")
PERIOD_STATES = ("OPEN", "ADJUSTING", "CLOSED")
KINDS = ("asset", "liability", "net_assets", "revenue", "expense")
BASES = ("closing", "opening", "movement", "next_appropriation")
T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[Any]], Any]

# --------------------------------------------------------------------------- the oracle's own view of a book


@dataclass
class Base:
    """A valid book as the oracle sees it, read with tomllib and csv only (never with kessan)."""

    name: str
    src: Path
    files: dict[str, str]  # relative path -> file kind
    segments: tuple[str, ...]
    accounts: dict[str, tuple[str, bool, bool]]  # code -> (kind, cash, inter_segment)
    flows: dict[str, str]  # code -> applies_to
    years: tuple[int, ...]
    entries: list[tuple[str, list[list[str]]]]  # journal: (entry id, rows)
    opening: list[list[str]]
    budget_lines: set[tuple[str, str]] = field(default_factory=set)  # (budget layout id, line id)
    input_years: set[int] = field(default_factory=set)
    revision_years: set[int] = field(default_factory=set)
    text_placeholders: bool = False

    @property
    def postings(self) -> int:
        return len(self.opening) + sum(len(rows) for _, rows in self.entries)

    def in_years(self, day: dt.date, years: tuple[int, ...] | None = None) -> bool:
        return any(dt.date(y, 4, 1) <= day <= dt.date(y + 1, 3, 31) for y in (years or self.years))

    def entry_days(self) -> list[dt.date]:
        return [dt.date.fromisoformat(rows[0][1]) for _, rows in self.entries]


def file_kind(rel: str) -> str | None:
    top = {"book.toml": "book", "segments.toml": "segments", "accounts.toml": "accounts", "flows.toml": "flows",
           "journal.csv": "journal", "opening.csv": "opening", "publish.toml": "publish", "inputs.toml": "inputs",
           "budget/revisions.toml": "revisions", "budget/notes.toml": "notes"}
    if rel in top:
        return top[rel]
    folder, _, name = rel.partition("/")
    if folder == "layouts" and name.endswith(".toml"):
        return "layout"
    if folder == "budget" and name.endswith(".csv"):
        return "budget"
    if folder == "history" and name.endswith(".csv"):
        return "history"
    if folder == "subledgers" and name.endswith(".csv") and name[:-4] in REGISTERS:
        return "register:" + name[:-4]
    return None


def read_base(name: str, src: Path) -> Base:
    files = {}
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and not rel.startswith(SKIP) and (kind := file_kind(rel)):
            files[rel] = kind
    toml = {rel: tomllib.loads((src / rel).read_text(encoding="utf-8")) for rel in files if rel.endswith(".toml")}
    segments = tuple(s["code"] for s in toml["segments.toml"]["segment"])
    accounts = {a["code"]: (a["kind"], a.get("cash", False), a.get("inter_segment", False))
                for a in toml["accounts.toml"]["account"]}
    flows = {f["code"]: f.get("applies_to", "any") for f in toml["flows.toml"]["flow"]}
    years = tuple(fy["year"] for fy in toml["book.toml"]["fiscal_year"])
    entries: list[tuple[str, list[list[str]]]] = []
    for row in list(csv.reader(io.StringIO((src / "journal.csv").read_text(encoding="utf-8"))))[1:]:
        if entries and entries[-1][0] == row[0]:
            entries[-1][1].append(row)
        else:
            entries.append((row[0], [row]))
    opening = list(csv.reader(io.StringIO((src / "opening.csv").read_text(encoding="utf-8"))))[1:]
    base = Base(name, src, files, segments, accounts, flows, years, entries, opening)
    for rel, doc in toml.items():
        if files[rel] == "layout" and doc.get("statement", {}).get("budget"):
            base.budget_lines |= {(doc["statement"]["id"], ln["id"]) for ln in doc.get("line", []) if "id" in ln}
        if files[rel] == "layout" and "${" in doc.get("statement", {}).get("template", ""):
            base.text_placeholders = True
    base.input_years = {i["year"] for i in toml.get("inputs.toml", {}).get("input", [])}
    base.revision_years = {r["year"] for r in toml.get("budget/revisions.toml", {}).get("revision", [])}
    return base


# --------------------------------------------------------------------------- a book directory being mutated


class Workdir:
    """A working copy of a base book; mutations write through it, and ``reset`` restores only
    the files they touched (a whole copy per book would cost more than most loads)."""

    def __init__(self, base: Base, path: Path):
        self.base, self.path = base, path
        self.touched: set[str] = set()
        shutil.copytree(base.src, path, ignore=shutil.ignore_patterns(*SKIP))

    def read(self, rel: str) -> str:
        return (self.path / rel).read_text(encoding="utf-8")

    def write(self, rel: str, data: str | bytes) -> None:
        self.touched.add(rel)
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            target.write_bytes(data.encode("utf-8"))
        else:
            target.write_bytes(data)

    def delete(self, rel: str) -> None:
        self.touched.add(rel)
        (self.path / rel).unlink()

    def fingerprint(self) -> str:
        """What this book is: the base and the contents of the files a mutation touched."""
        digest = hashlib.sha1(self.base.name.encode())
        for rel in sorted(self.touched):
            path = self.path / rel
            digest.update(rel.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"<none>") + b"\0")
        return digest.hexdigest()

    def reset(self) -> None:
        for rel in self.touched:
            original, target = self.base.src / rel, self.path / rel
            if target.is_dir():
                shutil.rmtree(target)
            if original.exists():
                shutil.copyfile(original, target)
            elif target.exists():
                target.unlink()
        self.touched.clear()


@dataclass
class Verdict:
    """What a mutation did, and what the oracle says of the book it left."""

    file: str
    expect: str  # invalid | valid | any
    detail: str
    postings: int | None = None  # postings a valid book loads (None: not judged)
    phase: str = "load"  # load: `load` must reject it; report: only `report` reads the file
    where: tuple[str, ...] = ()  # other files a rejection may name instead of ``file``
    lines: tuple[int, ...] = ()  # lines a rejection should name (empty: any or none)


@dataclass
class Case:
    index: int
    base: str
    mutation: str
    verdict: Verdict


# --------------------------------------------------------------------------- text and value helpers


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def csv_read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def amount_value(text: str) -> int | None:
    """The oracle's integer yen: optional sign, ASCII digits, surrounding blanks allowed."""
    t = text.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", t):
        return None
    return int(t)


def iso_date(text: str) -> dt.date | None:
    t = text.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", t):
        return None
    try:
        return dt.date.fromisoformat(t)
    except ValueError:
        return None


def is_decimal(text: str) -> bool:
    return bool(re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", text.strip()))


def toml_value(literal: str) -> Any:
    return tomllib.loads(f"v = {literal}")["v"]


BAD_AMOUNTS = ["１００", "1,000", "300.0", "3e2", "", " ", "¥300", "△300", "(300)", "0x12c", "300円", "- 300", "--300",
               "NaN", "Infinity", "99999999999999999999999", "1000000000000001", "-1000000000000001", "²", "٣٠٠",
               "=1+1", "1_000", "+-1", "\x00", "1\x00"]
BAD_DATES = ["2020-02-30", "2021-02-29", "2020-13-01", "2020-00-10", "2020-04-31", "R2.5.10", "令和2年5月10日", "2020/05/10",
             "20200510", "2020-W19-7", "", " ", "2020-5-10", "10/05/2020", "2020-05-10T00:00", "２０２０-０５-１０", "2020-05",
             "May 10, 2020", "=TODAY()", "2020-05-10\x00", "0000-01-01", "2019-04-01", "2019-03-31", "2022-04-01", "9999-12-31",
             "0001-01-01", "2020-05-1O"]
TEXTS = ['=HYPERLINK("http://example.invalid/","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "[red]error:[/]",
         "[bold]x[/bold]", "<script>alert(1)</script>", "{{ x }}", "${securities_valuation}", "\\N", "'", '"quoted"',
         "tab\there", "　全角スペース　", "😀 emoji", "ｶﾀｶﾅ", "①②③", "Ω≈ç√", "a" * 300]
CODES = ["X9", "ａ", "A", "9999", "1110 x", "一般", "a b", "-", "0", "NULL", "None", "😀", "../x", "<a>", "\u200b", "'a'",
         "=A1", "1110.0", "１１１０"]


def unknown_code(draw: Draw, known: set[str] | tuple[str, ...] | dict[str, Any], allow_empty: bool = False) -> str:
    """A code that, stripped as every reader strips it, names nothing in ``known``."""
    text = draw(st.one_of(st.sampled_from(CODES), st.text(min_size=0 if allow_empty else 1, max_size=8)))
    while text.strip() in known or (not allow_empty and not text.strip()):
        text += "Z"
    return text


def pick(draw: Draw, seq: list[T] | tuple[T, ...]) -> T:
    return draw(st.sampled_from(list(seq)))


def flat(entries: list[tuple[str, list[list[str]]]]) -> list[list[str]]:
    return [row for _, rows in entries for row in rows]


def entry_lines(entries: list[tuple[str, list[list[str]]]], index: int) -> tuple[int, ...]:
    """The lines of entry ``index`` in journal.csv (line 1 is the header; no multi-line fields)."""
    start = 2 + sum(len(rows) for _, rows in entries[:index])
    return tuple(range(start, start + len(entries[index][1])))


def write_journal(wd: Workdir, entries: list[tuple[str, list[list[str]]]], header: list[str] | None = None) -> None:
    wd.write("journal.csv", csv_text([header or JOURNAL, *flat(entries)]))


def copy_entries(base: Base) -> list[tuple[str, list[list[str]]]]:
    return [(eid, [list(r) for r in rows]) for eid, rows in base.entries]


# --------------------------------------------------------------------------- the mutation catalogue

Mutator = Callable[[Draw, Base, Workdir], Verdict]


@dataclass(frozen=True)
class Mutation:
    name: str
    fn: Mutator
    kinds: tuple[str, ...] | None  # file kinds it applies to (None: its own choice)
    weight: int


MUTATIONS: dict[str, Mutation] = {}


def mutation(name: str, kinds: tuple[str, ...] | None = None, weight: int = 2) -> Callable[[Mutator], Mutator]:
    def register(fn: Mutator) -> Mutator:
        MUTATIONS[name] = Mutation(name, fn, kinds, weight)
        return fn
    return register


def pick_file(draw: Draw, base: Base, kinds: tuple[str, ...] | None = None) -> tuple[str, str]:
    choices = [(rel, k) for rel, k in base.files.items() if kinds is None or k in kinds or k.split(":")[0] in kinds]
    return pick(draw, choices)


def phase_of(kind: str) -> str:
    return "report" if kind == "publish" else "load"


# Whether a book is still valid without the file (missing) or with the file empty.
MISSING = {"book": "invalid", "segments": "invalid", "accounts": "invalid", "flows": "invalid", "journal": "invalid",
           "opening": "valid", "publish": "valid", "revisions": "invalid", "budget": "invalid", "notes": "valid",
           "inputs": "invalid", "layout": "any", "history": "any"}
EMPTY = {"book": "invalid", "segments": "invalid", "accounts": "invalid", "flows": "invalid", "journal": "invalid",
         "opening": "invalid", "publish": "any", "revisions": "any", "budget": "invalid", "notes": "valid",
         "inputs": "invalid", "layout": "invalid", "history": "invalid"}
# registers the layouts take inputs from that a book cannot do without: the securities (券面総額
# per security id). A missing or empty lease register is a book without leases: its 返済予定額
# and rates are 0 (closing/notes.py), and the lease tie-out check, not the load, reports a
# balance sheet that still carries lease debt
INPUT_REGISTERS = ("register:securities",)


def _missing(base: Base, rel: str, kind: str) -> tuple[str, int | None]:
    if kind.startswith("register:"):
        return ("invalid" if kind in INPUT_REGISTERS else "valid"), base.postings
    if kind == "opening":
        return "valid", base.postings - len(base.opening)
    verdict = MISSING[kind]
    return verdict, (base.postings if verdict == "valid" else None)


@mutation("delete-file", weight=3)
def delete_file(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    wd.delete(rel)
    expect, postings = _missing(base, rel, kind)
    where = ("inputs.toml",) if kind in INPUT_REGISTERS else ()
    return Verdict(rel, expect, "deleted", postings, phase_of(kind), where)


@mutation("empty-file", weight=3)
def empty_file(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    wd.write(rel, b"")
    expect = "invalid" if kind.startswith("register:") else EMPTY[kind]
    return Verdict(rel, expect, "emptied", base.postings if expect == "valid" else None, phase_of(kind))


@mutation("header-only", kinds=("journal", "opening", "budget", "register", "history"))
def header_only(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base, ("journal", "opening", "budget", "register", "history"))
    wd.write(rel, wd.read(rel).split("\n", 1)[0] + "\n")
    postings = {"journal": len(base.opening), "opening": base.postings - len(base.opening)}.get(kind, base.postings)
    # without journal rows or registers the book still loads; a trend without its history or a
    # budget without amounts is still a book
    expect = "invalid" if kind in INPUT_REGISTERS else "valid"
    return Verdict(rel, expect, "header row only", postings if expect == "valid" else None, phase_of(kind),
                   ("inputs.toml",))


def _encoded(draw: Draw, base: Base, wd: Workdir, encode: Callable[[str], bytes], what: str) -> Verdict:
    rel, kind = pick_file(draw, base)
    text = wd.read(rel)
    data = encode(text)
    wd.write(rel, data)
    try:
        same = data.decode("utf-8").lstrip("\ufeff") == text
        expect = "valid" if same else "any"
    except UnicodeDecodeError:
        expect = "invalid"
    return Verdict(rel, expect, what, base.postings if expect == "valid" else None, phase_of(kind))


@mutation("cp932", weight=3)
def cp932(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    return _encoded(draw, base, wd, lambda t: t.encode("cp932", errors="replace"), "saved as Shift_JIS (cp932)")


@mutation("utf16", weight=2)
def utf16(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    enc = pick(draw, ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
    return _encoded(draw, base, wd, lambda t: t.encode(enc), f"saved as {enc}")


@mutation("bom", weight=3)
def bom(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A UTF-8 byte-order mark: accepted on every file (docs/book-format.md)."""
    return _encoded(draw, base, wd, lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "UTF-8 BOM")


@mutation("bom-cp932")
def bom_cp932(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    return _encoded(draw, base, wd, lambda t: codecs.BOM_UTF8 + t.encode("cp932", errors="replace"), "BOM + Shift_JIS")


@mutation("latin1")
def latin1(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """One é saved as Latin-1 in an otherwise UTF-8 file."""
    rel, kind = pick_file(draw, base)
    data = wd.read(rel).encode("utf-8")
    at = draw(st.integers(0, len(data)))
    while 0 < at < len(data) and (data[at] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
        at -= 1
    wd.write(rel, data[:at] + b"\xe9" + data[at:])
    return Verdict(rel, "invalid", f"byte 0xe9 at {at}", phase=phase_of(kind))


@mutation("cut-multibyte")
def cut_multibyte(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """The last byte of one multi-byte character lost: not UTF-8 any more."""
    choices = [(rel, k) for rel, k in base.files.items() if not wd.read(rel).isascii()]
    rel, kind = pick(draw, choices)
    data = wd.read(rel).encode("utf-8")
    starts = [i for i, b in enumerate(data) if b >= 0xC0]
    at = pick(draw, starts)
    end = at + 1
    while end < len(data) and (data[end] & 0xC0) == 0x80:
        end += 1
    wd.write(rel, data[:end - 1] + data[end:])
    return Verdict(rel, "invalid", f"character at byte {at} cut", phase=phase_of(kind))


@mutation("nul-byte", weight=3)
def nul_byte(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    data = wd.read(rel).encode("utf-8")
    at = draw(st.integers(0, len(data)))
    wd.write(rel, data[:at] + b"\x00" + data[at:])
    return Verdict(rel, "invalid", f"NUL at byte {at}", phase=phase_of(kind))


@mutation("truncate-bytes", weight=3)
def truncate_bytes(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    data = wd.read(rel).encode("utf-8")
    at = draw(st.integers(0, len(data)))
    wd.write(rel, data[:at])
    return Verdict(rel, "any", f"cut at byte {at} of {len(data)}", phase=phase_of(kind))


@mutation("garbage-line", weight=3)
def garbage_line(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    lines = wd.read(rel).encode("utf-8").split(b"\n")
    at = draw(st.integers(0, len(lines) - 1))
    lines[at] = draw(st.binary(min_size=1, max_size=40))
    wd.write(rel, b"\n".join(lines))
    return Verdict(rel, "any", f"line {at + 1} replaced by random bytes", phase=phase_of(kind))


@mutation("crlf")
def crlf(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    wd.write(rel, wd.read(rel).replace("\n", "\r\n"))
    return Verdict(rel, "valid", "CRLF line ends", base.postings, phase_of(kind))


@mutation("no-final-newline")
def no_final_newline(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    wd.write(rel, wd.read(rel).rstrip("\n"))
    return Verdict(rel, "valid", "no line end after the last line", base.postings, phase_of(kind))


# ---- journal.csv


def _entry(draw: Draw, base: Base, min_rows: int = 1) -> int:
    choices = [i for i, (_, rows) in enumerate(base.entries) if len(rows) >= min_rows]
    return pick(draw, choices)


@mutation("journal-unbalanced", kinds=("journal",), weight=4)
def journal_unbalanced(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    r = draw(st.integers(0, len(entries[i][1]) - 1))
    delta = draw(st.integers(-10**6, 10**6).filter(bool))
    entries[i][1][r][6] = str(int(entries[i][1][r][6]) + delta)
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} row {r} amount {delta:+}", lines=entry_lines(entries, i))


@mutation("journal-amount", kinds=("journal",), weight=5)
def journal_amount(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    r = draw(st.integers(0, len(entries[i][1]) - 1))
    old = entries[i][1][r][6]
    variants = [f"+{old}" if not old.startswith("-") else old, f" {old} ", f"0{old}" if not old.startswith("-") else old]
    text = draw(st.one_of(st.sampled_from(BAD_AMOUNTS + variants), st.text(max_size=12)))
    entries[i][1][r][6] = text
    write_journal(wd, entries)
    value = amount_value(text)
    valid = value is not None and value == int(old) and abs(value) <= MAX_YEN and "\x00" not in text
    return Verdict("journal.csv", "valid" if valid else "invalid", f"{entries[i][0]} row {r} amount {text!r} (was {old})",
                   base.postings if valid else None, lines=entry_lines(entries, i))


@mutation("journal-scale", kinds=("journal",), weight=3)
def journal_scale(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """Every amount of an entry times k: still balanced, unless an amount leaves ±10^15 yen."""
    entries = copy_entries(base)
    i = _entry(draw, base)
    k = pick(draw, [-1, 2, -3, 10**3, 10**6, 10**9, 10**12, 10**15])
    for row in entries[i][1]:
        row[6] = str(int(row[6]) * k)
    write_journal(wd, entries)
    valid = all(abs(int(row[6])) <= MAX_YEN for row in entries[i][1])
    return Verdict("journal.csv", "valid" if valid else "invalid", f"{entries[i][0]} amounts × {k}",
                   base.postings if valid else None, lines=entry_lines(entries, i))


@mutation("journal-date", kinds=("journal",), weight=5)
def journal_date(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    head = entries[i][1][0]
    old = head[1]
    text = draw(st.one_of(st.sampled_from([*BAD_DATES, f" {old} ", old]),
                          st.dates(dt.date(2018, 1, 1), dt.date(2023, 12, 31)).map(dt.date.isoformat)))
    head[1] = text
    for row in entries[i][1][1:]:
        if row[1]:
            row[1] = text  # continuation rows that repeat the date repeat the new one
    write_journal(wd, entries)
    day = iso_date(text)
    valid = day is not None and base.in_years(day) and "\x00" not in text
    return Verdict("journal.csv", "valid" if valid else "invalid", f"{entries[i][0]} date {text!r} (was {old})",
                   base.postings if valid else None, lines=entry_lines(entries, i))


@mutation("journal-kind", kinds=("journal",), weight=3)
def journal_kind(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    old = entries[i][1][0][2]
    text = draw(st.one_of(st.sampled_from(["Regular", "期中", "", " ", "opening ", "closing\x00", "adjusting", "REGULAR",
                                           f" {old} ", old]), st.text(max_size=10)))
    entries[i][1][0][2] = text
    for row in entries[i][1][1:]:
        if row[2]:
            row[2] = text
    write_journal(wd, entries)
    expect = "valid" if text.strip() == old else ("any" if text.strip() in ("closing", "appropriation") else "invalid")
    valid = expect == "valid"
    return Verdict("journal.csv", expect, f"{entries[i][0]} kind {text!r} (was {old})",
                   base.postings if valid else None, lines=entry_lines(entries, i))


@mutation("journal-continuation", kinds=("journal",), weight=3)
def journal_continuation(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A later row of an entry repeats date, kind or memo: empty, blank or equal is fine, else not."""
    entries = copy_entries(base)
    i = _entry(draw, base, min_rows=2)
    r = draw(st.integers(1, len(entries[i][1]) - 1))
    col = pick(draw, [1, 2, 3])
    head = entries[i][1][0][col]
    text = draw(st.one_of(st.sampled_from(["", " ", head, f" {head} ", head + "x", "2020-04-01", "regular", "closing",
                                           "memo"]), st.text(max_size=6)))
    entries[i][1][r][col] = text
    write_journal(wd, entries)
    valid = text.strip() in ("", head.strip()) and "\x00" not in text
    return Verdict("journal.csv", "valid" if valid else "invalid", f"{entries[i][0]} row {r} {JOURNAL[col]} {text!r}",
                   base.postings if valid else None, lines=entry_lines(entries, i))


@mutation("journal-unknown-code", kinds=("journal",), weight=5)
def journal_unknown_code(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    r = draw(st.integers(0, len(entries[i][1]) - 1))
    col = pick(draw, [4, 5, 7, 8])
    known: Any = {4: base.segments, 5: base.accounts, 7: base.flows, 8: base.segments}[col]
    text = unknown_code(draw, known, allow_empty=col in (4, 5))
    entries[i][1][r][col] = text
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} row {r} {JOURNAL[col]} {text!r}",
                   lines=entry_lines(entries, i))


@mutation("journal-partner", kinds=("journal",), weight=2)
def journal_partner(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A 他事業勘定 posting without its partner, or a partner equal to its own segment."""
    entries = copy_entries(base)
    spots = [(i, r) for i, (_, rows) in enumerate(entries) for r, row in enumerate(rows) if row[8]]
    i, r = pick(draw, spots)
    row = entries[i][1][r]
    inter = base.accounts[row[5]][2]
    if inter and draw(st.booleans()):
        row[8], what = "", "no partner"
    else:
        row[8], what = row[4], "partner = own segment"
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} row {r}: {what}", lines=entry_lines(entries, i))


@mutation("journal-net-income", kinds=("journal",), weight=1)
def journal_net_income(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """The reserved flow net_income outside a closing entry."""
    entries = copy_entries(base)
    spots = [(i, r) for i, (_, rows) in enumerate(entries) for r, row in enumerate(rows)
             if rows[0][2] != "closing" and (base.accounts[row[5]][1] or base.accounts[row[5]][0] == "net_assets")]
    i, r = pick(draw, spots)
    entries[i][1][r][7] = "net_income"
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} row {r} flow net_income", lines=entry_lines(entries, i))


@mutation("journal-fields", kinds=("journal",), weight=4)
def journal_fields(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A row with a field too many or too few, or a line cut short."""
    entries = copy_entries(base)
    i = _entry(draw, base)
    r = draw(st.integers(0, len(entries[i][1]) - 1))
    lines = wd.read("journal.csv").split("\n")
    n = entry_lines(entries, i)[r] - 1
    how = pick(draw, ["drop", "extra", "extra-empty", "cut"])
    if how == "drop":
        lines[n] = lines[n].rsplit(",", draw(st.integers(1, 8)))[0]
    elif how == "extra":
        lines[n] += "," + draw(st.text(alphabet="abc123 ", max_size=5))
    elif how == "extra-empty":
        lines[n] += ","
    else:
        commas = [k for k, c in enumerate(lines[n]) if c == ","]
        lines[n] = lines[n][:draw(st.integers(0, commas[-1]))]
    wd.write("journal.csv", "\n".join(lines))
    return Verdict("journal.csv", "invalid", f"line {n + 1}: {how}", lines=(n + 1,))


@mutation("journal-duplicate-id", kinds=("journal",), weight=3)
def journal_duplicate_id(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    if draw(st.booleans()):
        entries.append((entries[i][0], [list(r) for r in entries[i][1]]))
        if i == len(entries) - 2:  # right after itself: the rows of one entry, twice (and balanced)
            write_journal(wd, entries)
            rows = entries[i][1]
            if any(not "".join(row[1:4]).strip() for row in rows[1:]):
                # its later rows leave the head empty: the repeated first row starts a second
                # entry under the same id, which the reader refuses rather than merge
                return Verdict("journal.csv", "invalid", f"{entries[i][0]} rows repeated after themselves",
                               lines=(entry_lines(entries, len(entries) - 1)[0],))
            return Verdict("journal.csv", "valid", f"{entries[i][0]} rows repeated", base.postings + len(rows))
        what = "copied to the end"
    else:
        far = [j for j in range(len(entries)) if abs(j - i) > 1]
        j = pick(draw, far)
        for row in entries[j][1]:
            row[0] = entries[i][0]
        entries[j] = (entries[i][0], entries[j][1])
        what = f"entry #{j} renamed to it"
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} {what}")


@mutation("journal-missing-id", kinds=("journal",), weight=2)
def journal_missing_id(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    r = draw(st.integers(0, len(entries[i][1]) - 1))
    entries[i][1][r][0] = pick(draw, ["", " ", "\t"])
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} row {r} without id", lines=(entry_lines(entries, i)[r],))


@mutation("journal-long-id", kinds=("journal",), weight=2)
def journal_long_id(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """Entry ids are at most 64 characters (the database keeps no more)."""
    entries = copy_entries(base)
    i = _entry(draw, base)
    n = pick(draw, [63, 64, 65, 100, 1000])
    new = ("E" * n)[:n]
    for row in entries[i][1]:
        row[0] = new
    entries[i] = (new, entries[i][1])
    write_journal(wd, entries)
    valid = n <= 64
    return Verdict("journal.csv", "valid" if valid else "invalid", f"entry id of {n} characters",
                   base.postings if valid else None, lines=entry_lines(entries, i))


@mutation("journal-header", kinds=("journal",), weight=3)
def journal_header(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    how = pick(draw, ["upper", "reordered", "extra", "missing", "none", "spaces", "japanese", "bom-spaces"])
    header = list(JOURNAL)
    valid = False
    if how == "upper":
        header = [h.upper() for h in header]
    elif how == "reordered":
        header[1], header[2] = header[2], header[1]
    elif how == "extra":
        header.append("note")
    elif how == "missing":
        header.pop()
    elif how == "none":
        wd.write("journal.csv", csv_text(flat(entries)))
        return Verdict("journal.csv", "invalid", "no header row", lines=(1,))
    elif how == "spaces":
        header = [f" {h} " for h in header]
        valid = True
    elif how == "japanese":
        header[0] = "伝票番号"
    else:
        header[0] = "\ufeff" + header[0]
        valid = True
    write_journal(wd, entries, header)
    return Verdict("journal.csv", "valid" if valid else "invalid", f"header {how}", base.postings if valid else None,
                   lines=() if valid else (1,))


@mutation("journal-quote", kinds=("journal",), weight=2)
def journal_quote(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """An opening quote that is never closed."""
    lines = wd.read("journal.csv").split("\n")
    n = draw(st.integers(1, len(lines) - 2))
    fields = lines[n].split(",")
    k = draw(st.integers(0, len(fields) - 1))
    fields[k] = '"' + fields[k]
    lines[n] = ",".join(fields)
    wd.write("journal.csv", "\n".join(lines))
    return Verdict("journal.csv", "invalid", f"line {n + 1} field {k}: unclosed quote")


@mutation("journal-blank-line", kinds=("journal",), weight=1)
def journal_blank_line(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    lines = wd.read("journal.csv").split("\n")
    n = draw(st.integers(1, len(lines) - 1))
    lines.insert(n, "")
    wd.write("journal.csv", "\n".join(lines))
    return Verdict("journal.csv", "invalid", f"empty line {n + 1}", lines=(n + 1,))


@mutation("journal-long-field", kinds=("journal",), weight=2)
def journal_long_field(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A long memo: fine up to the CSV field limit (131,072 characters), a located error beyond."""
    entries = copy_entries(base)
    i = _entry(draw, base)
    n = pick(draw, [5000, FIELD_LIMIT - 1, FIELD_LIMIT, FIELD_LIMIT + 1, 300_000])
    quoted = draw(st.booleans())
    entries[i][1][0][3] = ("メ" if quoted else "m") * n + ("," if quoted else "")
    write_journal(wd, entries)
    length = n + (1 if quoted else 0)
    valid = length <= FIELD_LIMIT
    return Verdict("journal.csv", "valid" if valid else "invalid", f"memo of {length} characters",
                   base.postings if valid else None)


@mutation("journal-text", kinds=("journal",), weight=3)
def journal_text(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A formula, markup or odd Unicode in a memo is text, stored as it is."""
    entries = copy_entries(base)
    i = _entry(draw, base)
    text = draw(st.one_of(st.sampled_from(TEXTS), st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"),
                                                          max_size=30)))
    entries[i][1][0][3] = text
    for row in entries[i][1][1:]:
        row[3] = ""
    write_journal(wd, entries)
    return Verdict("journal.csv", "valid", f"{entries[i][0]} memo {text!r}", base.postings)


@mutation("journal-nul-field", kinds=("journal",), weight=2)
def journal_nul_field(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    i = _entry(draw, base)
    r = draw(st.integers(0, len(entries[i][1]) - 1))
    col = draw(st.integers(0, 8))
    entries[i][1][r][col] += "\x00"
    write_journal(wd, entries)
    return Verdict("journal.csv", "invalid", f"{entries[i][0]} row {r} {JOURNAL[col]} + NUL",
                   lines=(entry_lines(entries, i)[r],))


@mutation("journal-reorder", kinds=("journal",), weight=3)
def journal_reorder(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    entries = copy_entries(base)
    order = draw(st.permutations(range(len(entries))))
    write_journal(wd, [entries[k] for k in order])
    return Verdict("journal.csv", "valid", "entries reordered", base.postings)


@mutation("journal-shuffle-rows", kinds=("journal",), weight=2)
def journal_shuffle_rows(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """The rows of an entry in another order, its date, kind and memo moved to the new first row."""
    entries = copy_entries(base)
    i = _entry(draw, base, min_rows=2)
    rows = entries[i][1]
    head = rows[0][1:4]
    for row in rows:
        row[1:4] = ["", "", ""]
    rows[:] = [rows[k] for k in draw(st.permutations(range(len(rows))))]
    rows[0][1:4] = head
    write_journal(wd, entries)
    return Verdict("journal.csv", "valid", f"{entries[i][0]} rows reordered", base.postings)


@mutation("journal-new-entry", kinds=("journal",), weight=4)
def journal_new_entry(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A new balanced entry: a copy of one with a new id, another date in its year, amounts × k."""
    entries = copy_entries(base)
    i = _entry(draw, base)
    rows = [list(r) for r in entries[i][1]]
    new_id = f"FZ-{draw(st.integers(0, 10**6))}"
    day = dt.date.fromisoformat(rows[0][1])
    fy = day.year if day.month >= 4 else day.year - 1
    new_day = draw(st.dates(dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)))
    k = draw(st.integers(-5, 5).filter(bool))
    for row in rows:
        row[0] = new_id
        row[6] = str(int(row[6]) * k)
        if row[1]:
            row[1] = new_day.isoformat()
    at = draw(st.integers(0, len(entries)))
    entries.insert(at, (new_id, rows))
    write_journal(wd, entries)
    valid = all(abs(int(r[6])) <= MAX_YEN for r in rows)
    return Verdict("journal.csv", "valid" if valid else "invalid", f"new entry {new_id} like {entries[i][0]} × {k}",
                   base.postings + len(rows) if valid else None)


@mutation("journal-quote-all", kinds=("journal", "opening", "budget", "register", "history"), weight=2)
def quote_all(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, _ = pick_file(draw, base, ("journal", "opening", "budget", "register", "history"))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(csv_read(wd.read(rel)))
    wd.write(rel, out.getvalue())
    return Verdict(rel, "valid", "every field quoted", base.postings)


@mutation("csv-blanks", kinds=("journal", "opening", "budget", "register", "history"), weight=2)
def csv_blanks(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """Blanks around every field of some rows: every reader strips them."""
    rel, _ = pick_file(draw, base, ("journal", "opening", "budget", "register", "history"))
    rows = csv_read(wd.read(rel))
    pad = pick(draw, [" ", "  ", "\t", "\u3000"])
    for n in range(1, len(rows)):
        if draw(st.integers(0, 3)) == 0:
            rows[n] = [pad + c + pad for c in rows[n]]
    wd.write(rel, csv_text(rows))
    return Verdict(rel, "valid", f"fields padded with {pad!r}", base.postings)


@mutation("closed-year", kinds=("book",), weight=2)
def closed_year(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A fiscal year declared CLOSED or ADJUSTING while it holds entries, or an unknown state."""
    year = pick(draw, base.years)
    state = pick(draw, ["CLOSED", "ADJUSTING", "closed", "open", "FOO", "", "OPEN"])
    text = re.sub(rf"(?m)^year = {year}\b.*$", lambda m: f'{m.group(0)}\nstate = "{state}"', wd.read("book.toml"), count=1)
    wd.write("book.toml", text)
    kinds = [rows[0][2] for _, rows in base.entries if _fy(rows[0][1]) == year]
    if year == base.years[0] and base.opening:
        kinds.append("opening")
    if state == "OPEN":
        valid = True
    elif state == "CLOSED":
        valid = not kinds
    elif state == "ADJUSTING":
        valid = all(k == "closing" for k in kinds)
    else:
        valid = False
    return Verdict("book.toml", "valid" if valid else "invalid", f"fiscal year {year} state {state!r}",
                   base.postings if valid else None, where=("journal.csv", "opening.csv"))


def _fy(day: str) -> int:
    d = dt.date.fromisoformat(day)
    return d.year if d.month >= 4 else d.year - 1


# ---- opening.csv

OPENING = ["segment", "account", "amount", "partner"]


def _opening_lines(rows: list[list[str]]) -> tuple[int, ...]:
    return tuple(range(2, 2 + len(rows)))


@mutation("opening-amount", kinds=("opening",), weight=3)
def opening_amount(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rows = [list(r) for r in base.opening]
    r = draw(st.integers(0, len(rows) - 1))
    old = rows[r][2]
    text = draw(st.one_of(st.sampled_from([*BAD_AMOUNTS, f" {old} "]), st.integers(-10**16, 10**16).map(str)))
    rows[r][2] = text
    wd.write("opening.csv", csv_text([OPENING, *rows]))
    value = amount_value(text)
    valid = value is not None and value == int(old) and "\x00" not in text
    return Verdict("opening.csv", "valid" if valid else "invalid", f"row {r} amount {text!r} (was {old})",
                   base.postings if valid else None, lines=_opening_lines(rows))


@mutation("opening-unknown-code", kinds=("opening",), weight=3)
def opening_unknown_code(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rows = [list(r) for r in base.opening]
    r = draw(st.integers(0, len(rows) - 1))
    col = pick(draw, [0, 1, 3])
    known: Any = {0: base.segments, 1: base.accounts, 3: base.segments}[col]
    rows[r][col] = unknown_code(draw, known, allow_empty=col != 3)
    wd.write("opening.csv", csv_text([OPENING, *rows]))
    return Verdict("opening.csv", "invalid", f"row {r} {OPENING[col]} {rows[r][col]!r}", lines=(r + 2,))


@mutation("opening-fields", kinds=("opening",), weight=2)
def opening_fields(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rows = [list(r) for r in base.opening]
    r = draw(st.integers(0, len(rows) - 1))
    if draw(st.booleans()):
        rows[r] = rows[r][:draw(st.integers(0, 3))]
    else:
        rows[r] = [*rows[r], "x"]
    wd.write("opening.csv", csv_text([OPENING, *rows]))
    return Verdict("opening.csv", "invalid", f"row {r} has {len(rows[r])} fields", lines=(r + 2,))


@mutation("opening-shuffle", kinds=("opening",), weight=2)
def opening_shuffle(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rows = [list(r) for r in base.opening]
    rows = [rows[k] for k in draw(st.permutations(range(len(rows))))]
    wd.write("opening.csv", csv_text([OPENING, *rows]))
    return Verdict("opening.csv", "valid", "rows reordered", base.postings)


@mutation("opening-new-pair", kinds=("opening",), weight=2)
def opening_new_pair(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """Two more opening rows that cancel within one segment (or do not)."""
    rows = [list(r) for r in base.opening]
    seg = pick(draw, base.segments)
    plain = [c for c, (_, _, inter) in base.accounts.items() if not inter]
    a, b = pick(draw, plain), pick(draw, plain)
    amount = draw(st.integers(-10**12, 10**12))
    other = pick(draw, [amount, amount + 1, -amount]) if draw(st.booleans()) else amount
    rows += [[seg, a, str(amount), ""], [seg, b, str(-other), ""]]
    wd.write("opening.csv", csv_text([OPENING, *rows]))
    valid = other == amount
    return Verdict("opening.csv", "valid" if valid else "invalid", f"pair {amount} / {-other} in {seg}",
                   base.postings + 2 if valid else None)


# ---- TOML files: the oracle's schema (key → type and role)


@dataclass(frozen=True)
class Key:
    typ: str  # str int bool date strs accounts inputs scalar any table
    role: str = "any"  # text code enum year report_year amount display any
    required: bool = False
    values: tuple[str, ...] = ()
    limit: int | None = None  # longest text


TOML_SCHEMA: dict[str, dict[tuple[str, str], Key]] = {
    "book": {
        ("book", "code"): Key("str", "code", True, limit=64),
        ("book", "name"): Key("str", "text", limit=256),
        ("book", "report_year"): Key("int", "report_year"),
        ("book", "name_en"): Key("any", "setting"),
        ("book.policies", "*"): Key("scalar", "policy"),
        ("fiscal_year", "year"): Key("int", "year", True),
        ("fiscal_year", "label"): Key("str", "text", limit=64),
        ("fiscal_year", "state"): Key("str", "enum", values=PERIOD_STATES),
    },
    "segments": {("segment", "code"): Key("str", "code", True, limit=64),
                 ("segment", "name"): Key("str", "text", True, limit=256)},
    "accounts": {("account", "code"): Key("str", "code", True, limit=64),
                 ("account", "name"): Key("str", "text", True, limit=256),
                 ("account", "kind"): Key("str", "enum", True, values=KINDS),
                 ("account", "cash"): Key("bool"), ("account", "inter_segment"): Key("bool")},
    "flows": {("flow", "code"): Key("str", "code", True, limit=64),
              ("flow", "name"): Key("str", "text", True, limit=256),
              ("flow", "applies_to"): Key("str", "enum", values=("cash", "net_assets", "any"))},
    "layout": {
        ("statement", "id"): Key("str", "code", True), ("statement", "title"): Key("str"), ("statement", "table"): Key("str"),
        ("statement", "segment_table"): Key("str"), ("statement", "caption"): Key("str"), ("statement", "unit"): Key("str"),
        ("statement", "order"): Key("int"), ("statement", "entity"): Key("bool"), ("statement", "budget"): Key("bool"),
        ("statement", "columns"): Key("strs"), ("statement", "rounding"): Key("str"),
        ("statement", "basis"): Key("str", "enum", values=BASES), ("statement", "exclude_flows"): Key("strs"),
        ("statement", "kind"): Key("str"), ("statement", "template"): Key("str"), ("statement", "measure"): Key("str"),
        ("statement", "decimals"): Key("int"), ("statement", "series"): Key("str"),
        ("line", "label"): Key("str", "any", True), ("line", "id"): Key("str"), ("line", "ref"): Key("str"),
        ("line", "segment_ref"): Key("str"), ("line", "indent"): Key("int"), ("line", "accounts"): Key("accounts"),
        ("line", "flows"): Key("strs"), ("line", "exclude_flows"): Key("strs"),
        ("line", "basis"): Key("str", "enum", values=BASES), ("line", "formula"): Key("str"),
        ("line", "segment_only"): Key("bool"), ("line", "ties_to"): Key("str"), ("line", "bold"): Key("bool", "display"),
        ("line", "sign"): Key("int"), ("line", "inputs"): Key("inputs"),
        ("column", "id"): Key("str", "code", True), ("column", "name"): Key("str", "text", True),
        ("column", "role"): Key("str"), ("column", "basis"): Key("str", "enum", values=BASES),
        ("column", "flows"): Key("strs"), ("column", "exclude_flows"): Key("strs"), ("column", "sign"): Key("int"),
        ("column", "formula"): Key("str"), ("column", "unit"): Key("str"),
        ("row", "segment"): Key("str", "any", True), ("row", "label"): Key("str", "text", True),
        ("total", "label"): Key("str", "text"),
    },
    "publish": {
        ("package", "title"): Key("str", "text"), ("package", "file"): Key("str"), ("package", "date"): Key("date"),
        ("section", "title"): Key("str", "text", True), ("section", "toc"): Key("str", "text"),
        ("section.part", "id"): Key("str", "part_id", True), ("section.part", "sheet"): Key("str", "sheet", True),
        ("section.part", "tables"): Key("strs", "any", True), ("section.part", "title"): Key("str", "text"),
        ("section.part", "form"): Key("str", "text"), ("section.part", "group"): Key("str", "text"),
        ("section.part", "landscape"): Key("bool", "display"), ("section.part", "by_segment"): Key("bool", "display"),
        ("section.part", "label_header"): Key("str", "text"), ("section.part", "chart"): Key("bool", "display"),
        ("labels", "*"): Key("str", "text"),
        ("column_group", "statement"): Key("str"), ("column_group", "label"): Key("str", "text"),
        ("column_group", "columns"): Key("strs"), ("column_group", "labels"): Key("strs"),
    },
    "revisions": {
        ("revision", "code"): Key("str", "code", True), ("revision", "year"): Key("int", "budget_year", True),
        ("revision", "name"): Key("str", "text", True), ("revision", "approved"): Key("date", "any", True),
        ("revision", "body"): Key("str", "text"), ("revision", "file"): Key("str", "any", True),
        ("revision", "revises"): Key("str"),
    },
    "notes": {
        ("note", "statement"): Key("str", "any", True), ("note", "mark"): Key("str", "text", True),
        ("note", "lines"): Key("strs"), ("note", "text"): Key("str", "text", True),
        ("reason", "statement"): Key("str", "any", True), ("reason", "line"): Key("str", "any", True),
        ("reason", "segment"): Key("str", "segment"), ("reason", "text"): Key("str", "text", True),
        ("reason", "amount"): Key("int"), ("reason", "source"): Key("str"), ("reason", "part"): Key("int"),
    },
    "inputs": {
        ("input", "key"): Key("str", "code", True), ("input", "year"): Key("int", "input_year", True),
        ("input", "amount"): Key("int", "amount", True), ("input", "label"): Key("str", "text"),
        ("input", "source"): Key("str", "source", True),
    },
}
# the arrays of tables of each kind (the oracle's duplicates: which are keyed, by what)
KEYED_BLOCKS = {"segments": {"segment": "code"}, "accounts": {"account": "code"}, "flows": {"flow": "code"},
                "book": {"fiscal_year": "year"}, "inputs": {"input": "key"}, "revisions": {"revision": "code"},
                "publish": {"section.part": "id"}, "layout": {"column": "id"}}


def type_ok(value: Any, typ: str) -> bool:
    if typ == "any":
        return True
    if typ == "str":
        return isinstance(value, str)
    if typ == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if typ == "bool":
        return isinstance(value, bool)
    if typ == "date":
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if typ == "strs":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if typ == "accounts":
        return type_ok(value, "strs") or (isinstance(value, dict) and all(type_ok(v, "strs") for v in value.values()))
    if typ == "inputs":
        return isinstance(value, str) or (isinstance(value, dict) and all(isinstance(v, str) for v in value.values()))
    if typ == "scalar":
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    raise ValueError(typ)


@dataclass
class KeyLine:
    start: int  # 0-based line index of ``key = …``
    end: int  # one past its last line
    table: str  # the header it is under ("" at the top), e.g. "section.part"
    key: str
    value: Any


HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")
KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=\s*(.*)$")


def toml_keys(text: str) -> list[KeyLine]:
    lines = text.split("\n")
    out: list[KeyLine] = []
    table = ""
    n = 0
    while n < len(lines):
        if m := HEADER_RE.match(lines[n]):
            table = m.group(2)
            n += 1
            continue
        if m := KEY_RE.match(lines[n]):
            for end in range(n + 1, min(n + 400, len(lines)) + 1):
                try:
                    value = tomllib.loads("v = " + "\n".join([m.group(2), *lines[n + 1:end]]))["v"]
                except tomllib.TOMLDecodeError:
                    continue
                out.append(KeyLine(n, end, table, m.group(1), value))
                n = end
                break
            else:
                n += 1
            continue
        n += 1
    return out


def schema_key(kind: str, table: str, key: str) -> Key | None:
    schema = TOML_SCHEMA.get(kind, {})
    return schema.get((table, key)) or schema.get((table, "*"))


LITERALS = ["3", "-1", "0", "2020", "2021", "99999999999999999999999", "1000000000000001", "3.5", "nan", "inf", "true",
            "false", '"x"', '""', '" "', '"１００"', '"=HYPERLINK(\\"http://example.invalid/\\",\\"x\\")"', '"[red]x[/]"',
            '"a/b:c"', '"' + "あ" * 300 + '"', '"' + "a" * 65 + '"', "2020-04-01", "2020-04-01T09:00:00", "09:00:00",
            "[1, 2]", '["a", "b"]', "[]", "{ a = 1 }", "{}", '"as_of"', '"period"', '"closing"', '"OPEN"', '"asset"',
            '"cash"', '"1110"', '"a"', '"general"', '"bs"']


def judge_value(base: Base, kind: str, kl: KeyLine, spec: Key | None, value: Any) -> str:
    """The oracle on one TOML value put in place of another."""
    if spec is None:  # a key the schema does not know: only a book's own settings
        if kind == "book" and kl.table == "book":
            return settings_ok(value)
        return "any"
    if not type_ok(value, spec.typ):
        return "invalid"
    if spec.role == "setting":
        return settings_ok(value)
    if value == kl.value:
        return "valid"
    if spec.role == "text":
        if (spec.required and not value.strip()) or (spec.limit and len(value) > spec.limit) or "\x00" in value:
            return "invalid"
        return "valid"
    if spec.role == "code" and isinstance(value, str) and (not value.strip() or (spec.limit and len(value) > spec.limit)):
        return "invalid"
    if spec.role == "enum":
        return "any" if value in spec.values else "invalid"
    if spec.role == "report_year":
        return "valid" if value in base.years else "invalid"
    if spec.role == "year":
        years = tuple(sorted(y if y != kl.value else value for y in base.years))
        ok = (all(b == a + 1 for a, b in pairwise(years)) and 1 <= value <= 9998
              and all(base.in_years(d, years) for d in base.entry_days())
              and base.input_years <= set(years) and base.revision_years <= set(years))
        return "valid" if ok and years[0] == base.years[0] else "invalid"
    if spec.role in ("budget_year", "input_year"):
        return "any" if value in base.years else "invalid"
    if spec.role == "amount":
        return "valid" if abs(value) <= MAX_YEN else "invalid"
    if spec.role == "source":
        return "valid" if value.strip() else "invalid"
    if spec.role == "segment":
        return "valid" if value in base.segments else "invalid"
    if spec.role == "policy":  # strings and (64-bit) integers
        ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63)
        return "valid" if ok else "invalid"
    if spec.role == "part_id":
        return "any" if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value) else "invalid"
    if spec.role == "sheet":
        return "any" if 0 < len(value) <= 31 and not re.search(r"[\[\]:*?/\\]", value) else "invalid"
    if spec.role == "display":
        return "valid"
    return "any"


def settings_ok(value: Any) -> str:
    """A book's own settings are stored as JSON: strings, numbers, booleans, arrays and tables of them."""
    if isinstance(value, float):
        return "valid" if math.isfinite(value) else "invalid"
    if isinstance(value, str | int | bool):
        return "valid"
    if isinstance(value, list):
        return "invalid" if any(settings_ok(v) == "invalid" for v in value) else "valid"
    if isinstance(value, dict):
        return "invalid" if any(settings_ok(v) == "invalid" for v in value.values()) else "valid"
    return "invalid"  # dates and times


def toml_files(base: Base) -> tuple[str, ...]:
    return tuple(k for k in ("book", "segments", "accounts", "flows", "layout", "publish", "revisions", "notes", "inputs")
                 if k in base.files.values())


@mutation("toml-value", kinds=("toml",), weight=10)
def toml_value_mutation(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """One value replaced by another literal, of the right type or not."""
    rel, kind = pick_file(draw, base, toml_files(base))
    text = wd.read(rel)
    keys = toml_keys(text)
    kl = pick(draw, keys)
    literal = draw(st.one_of(st.sampled_from(LITERALS), st.integers(-10**20, 10**20).map(str),
                             st.text(st.characters(codec="utf-8", exclude_characters='"\\\x7f', exclude_categories=("Cc", "Cs")),
                                     max_size=12).map(lambda s: f'"{s}"')))
    lines = text.split("\n")
    indent = lines[kl.start][: len(lines[kl.start]) - len(lines[kl.start].lstrip())]
    lines[kl.start:kl.end] = [f"{indent}{kl.key} = {literal}"]
    wd.write(rel, "\n".join(lines))
    spec = schema_key(kind, kl.table, kl.key)
    expect = judge_value(base, kind, kl, spec, toml_value(literal))
    return Verdict(rel, expect, f"[{kl.table}] {kl.key} = {literal[:40]} (line {kl.start + 1})",
                   base.postings if expect == "valid" else None, phase_of(kind))


@mutation("toml-delete-key", kinds=("toml",), weight=4)
def toml_delete_key(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base, toml_files(base))
    text = wd.read(rel)
    kl = pick(draw, toml_keys(text))
    lines = text.split("\n")
    del lines[kl.start:kl.end]
    wd.write(rel, "\n".join(lines))
    spec = schema_key(kind, kl.table, kl.key)
    expect = "invalid" if spec is not None and spec.required else "any"
    if spec is not None and spec.role in ("text", "display") and not spec.required:
        expect = "valid"
    return Verdict(rel, expect, f"[{kl.table}] {kl.key} deleted (line {kl.start + 1})",
                   base.postings if expect == "valid" else None, phase_of(kind))


@mutation("toml-syntax", kinds=("toml",), weight=5)
def toml_syntax(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base, toml_files(base))
    text = wd.read(rel)
    lines = text.split("\n")
    keys = toml_keys(text)
    how = pick(draw, ["no-equals", "unclosed-string", "unclosed-header", "duplicate-key", "garbage", "unclosed-array",
                      "bare-value", "duplicate-table"])
    kl = pick(draw, keys)
    line = lines[kl.start]
    if how == "no-equals":
        lines[kl.start] = line.replace("=", " ", 1)
    elif how == "unclosed-string":
        lines[kl.start] = f'{kl.key} = "unclosed'
    elif how == "unclosed-header":
        heads = [k for k, ln in enumerate(lines) if HEADER_RE.match(ln)] or [0]
        h = pick(draw, heads)
        lines[h] = lines[h].split("]")[0] if "]" in lines[h] else "[oops"
    elif how == "duplicate-key":
        lines.insert(kl.start, line)
    elif how == "garbage":
        lines.insert(draw(st.integers(0, len(lines))), pick(draw, ["@@@", "= 1", "[[", "key =", "a = 1 = 2", "ｋｅｙ = 1",
                                                                   "[book", "a.b. = 1", "x = [1, 2", "}"]))
    elif how == "unclosed-array":
        lines[kl.start] = f"{kl.key} = [1, 2"
    elif how == "bare-value":
        lines[kl.start] = f"{kl.key} = hello world"
    else:
        heads = [k for k, ln in enumerate(lines) if (m := HEADER_RE.match(ln)) and m.group(1) == "["] or [None]
        h = pick(draw, heads)
        if h is None:
            lines.append("[[x]]\n[x]")
        else:
            lines.append(lines[h])
    new = "\n".join(lines)
    wd.write(rel, new)
    try:
        tomllib.loads(new)
        expect = "any"  # still TOML after all
    except tomllib.TOMLDecodeError:
        expect = "invalid"
    return Verdict(rel, expect, f"TOML syntax: {how} near line {kl.start + 1}", phase=phase_of(kind))


def _blocks(lines: list[str], name: str) -> list[tuple[int, int]]:
    """(start, end) of each ``[[name]]`` block (to the next header)."""
    out = []
    heads = [k for k, ln in enumerate(lines) if HEADER_RE.match(ln)]
    for n, k in enumerate(heads):
        m = HEADER_RE.match(lines[k])
        if m and m.group(1) == "[[" and m.group(2) == name:
            end = heads[n + 1] if n + 1 < len(heads) else len(lines)
            out.append((k, end))
    return out


@mutation("toml-duplicate", kinds=("toml",), weight=3)
def toml_duplicate(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """An item ([[account]], [[flow]], [[fiscal_year]], …) declared twice."""
    choices = [(rel, k, name) for rel, k in base.files.items() for name in KEYED_BLOCKS.get(k, {})
               if _blocks(wd.read(rel).split("\n"), name)]
    rel, kind, name = pick(draw, choices)
    lines = wd.read(rel).split("\n")
    start, end = pick(draw, _blocks(lines, name))
    key = KEYED_BLOCKS[kind][name]
    block = lines[start:end]
    if not any(KEY_RE.match(ln) and KEY_RE.match(ln).group(1) == key for ln in block):  # type: ignore[union-attr]
        return Verdict(rel, "any", f"[[{name}]] without {key} duplicated", phase=phase_of(kind))
    at = pick(draw, [b for _, b in _blocks(lines, name)])
    lines[at:at] = ["", *block]
    wd.write(rel, "\n".join(lines))
    return Verdict(rel, "invalid", f"[[{name}]] at line {start + 1} declared twice", phase=phase_of(kind))


@mutation("toml-table-kind", kinds=("toml",), weight=3)
def toml_table_kind(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """[[array]] written [table], [table] written [[array]], or an array of tables given as a value."""
    rel, kind = pick_file(draw, base, toml_files(base))
    lines = wd.read(rel).split("\n")
    heads = [k for k, ln in enumerate(lines) if HEADER_RE.match(ln)]
    if not heads:
        return Verdict(rel, "any", "no table", phase=phase_of(kind))
    h = pick(draw, heads)
    m = HEADER_RE.match(lines[h])
    assert m is not None
    name = m.group(2)
    how = pick(draw, ["flip", "value"])
    if how == "flip":
        lines[h] = f"[{name}]" if m.group(1) == "[[" else f"[[{name}]]"
    else:
        value = pick(draw, ["3", '"x"', "[1, 2]", '["a"]', "true"])
        lines.insert(0, f"{name.split('.')[0]} = {value}")
    wd.write(rel, "\n".join(lines))
    try:
        tomllib.loads("\n".join(lines))
        doc_ok = True
    except tomllib.TOMLDecodeError:
        doc_ok = False
    expect = "invalid"
    if doc_ok and kind == "layout" and name not in ("statement", "line", "column", "row", "total"):
        expect = "any"
    if doc_ok and kind == "book" and name.startswith("book.") and how == "flip":
        expect = "any"
    return Verdict(rel, expect, f"{how} [{name}] (line {h + 1})", phase=phase_of(kind))


@mutation("toml-add-item", kinds=("segments", "accounts", "flows", "inputs"), weight=3)
def toml_add_item(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A new segment, account, flow or input: valid, unless its code or name is too long or empty."""
    kind = pick(draw, [k for k in ("segments", "accounts", "flows", "inputs") if k in base.files.values()])
    rel = next(r for r, k in base.files.items() if k == kind)
    n = pick(draw, [1, 8, 64, 65, 200])
    code = ("FZ" + "9" * n)[:n] if n else ""
    name = draw(st.one_of(st.sampled_from(TEXTS), st.sampled_from(["", "名" * 256, "名" * 257]),
                          st.text(st.characters(codec="utf-8", exclude_characters='"\\\x7f',
                                                exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)))
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    block = {"segments": f'[[segment]]\ncode = "{code}"\nname = {quoted}\n',
             "accounts": f'[[account]]\ncode = "{code}"\nname = {quoted}\nkind = "{pick(draw, KINDS)}"\n'
                         f"cash = {pick(draw, ['true', 'false'])}\n",
             "flows": f'[[flow]]\ncode = "{code}"\nname = {quoted}\napplies_to = "{pick(draw, ["cash", "net_assets", "any"])}"\n',
             "inputs": f'[[input]]\nkey = "{code}"\nyear = {base.years[0]}\namount = {draw(st.integers(-10**16, 10**16))}\n'
                       f"label = {quoted}\nsource = {quoted}\n"}[kind]
    wd.write(rel, wd.read(rel) + "\n" + block)
    valid = 0 < n <= 64 and bool(name.strip()) and len(name) <= 256
    if kind == "inputs":
        amount = int(re.search(r"amount = (-?\d+)", block).group(1))  # type: ignore[union-attr]
        valid = 0 < n <= 128 and abs(amount) <= MAX_YEN and bool(name.strip()) and len(name) <= 256  # keys: 128
    return Verdict(rel, "valid" if valid else "invalid", f"new {kind[:-1]} {code[:12]!r} named {name[:20]!r}",
                   base.postings if valid else None)


@mutation("toml-deep-nesting", kinds=("toml",), weight=1)
def toml_deep_nesting(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A value of arrays (or inline tables) nested hundreds deep: an error, never a RecursionError."""
    rel, kind = pick_file(draw, base, toml_files(base))
    depth = pick(draw, [3, 50, 300, 1000, 20000])
    value = "[" * depth + "]" * depth if draw(st.booleans()) else "{ a = " * depth + "1" + " }" * depth
    wd.write(rel, f"fz_deep = {value}\n" + wd.read(rel))
    try:
        tomllib.loads(wd.read(rel))
        expect = "any"  # an unknown top-level key of the right depth
    except (tomllib.TOMLDecodeError, RecursionError):
        expect = "invalid"
    return Verdict(rel, expect, f"a value nested {depth} deep", phase=phase_of(kind))


@mutation("long-line", weight=1)
def long_line(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A very long comment in a TOML file (valid); a very long line of text in a CSV file's text
    field is journal-long-field's."""
    rel, kind = pick_file(draw, base, toml_files(base))
    n = pick(draw, [10_000, 1_000_000])
    wd.write(rel, wd.read(rel) + "\n# " + "長" * n + "\n")
    return Verdict(rel, "valid", f"a comment of {n:,} characters", base.postings, phase_of(kind))


@mutation("file-is-folder", weight=1)
def file_is_folder(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base)
    wd.delete(rel)
    (wd.path / rel).mkdir()
    return Verdict(rel, "invalid", "a folder in its place", phase=phase_of(kind))


@mutation("closing-setting", kinds=("book",), weight=2)
def closing_setting(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """[book.closing]: the closing options (ledger/options.py) with their values; a typo, a
    bad value or an account setting of earlier versions (now a role) is invalid."""
    account = pick(draw, list(base.accounts))
    choices = {
        "disposal_year_depreciation": ['"none"', '"monthly"', '"daily"', "1"],
        "lease_depreciation_rounding": ['"cumulative"', '"yearly"', '""', "true"],
        "memorandum_value": [f'{{ "{account}" = 1 }}', f'{{ "{account}" = 0 }}', '{ "9999" = 1 }',
                             f'{{ "{account}" = 2 }}', '"1"'],
        "retained_earnings_account": [f'"{account}"'],
        "disposal_year_depreciaton": ['"monthly"'],
    }
    key = pick(draw, list(choices))
    value = pick(draw, choices[key])
    how = pick(draw, ["table", "value"])
    text = wd.read("book.toml")
    if how == "table":
        text += f"\n[book.closing]\n{key} = {value}\n"
        valid = value in ('"none"', '"monthly"', '"cumulative"', '"yearly"') or value in (
            f'{{ "{account}" = 1 }}', f'{{ "{account}" = 0 }}')
        expect = "any" if valid and key in ("disposal_year_depreciation", "lease_depreciation_rounding",
                                            "memorandum_value") else "invalid"
    else:
        text = text.replace("[book]\n", f"[book]\nclosing = {value}\n", 1)
        expect = "invalid"
    wd.write("book.toml", text)
    return Verdict("book.toml", expect, f"[book.closing] {how} {key} = {value}", phase="load")


@mutation("layout-copy", kinds=("layout",), weight=1)
def layout_copy(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A layout file copied under another name: two statements with one id."""
    rel, _ = pick_file(draw, base, ("layout",))
    wd.write("layouts/zz_copy.toml", wd.read(rel))
    return Verdict("layouts/zz_copy.toml", "invalid", f"{rel} copied", where=(rel,))


# ---- CSV registers, budget amounts, history: the oracle's column types

REGISTERS: dict[str, dict[str, str]] = {
    "fixed_assets": {"asset": "id", "name": "text", "segment": "segment", "cost_account": "account",
                     "contra_account": "account?", "expense_account": "account",
                     "method": "enum:straight_line|declining_200|lease|none",
                     "useful_life": "count*", "lease_months": "count*", "in_use": "date", "cost": "yen",
                     "grant_account": "account?", "funded_amount": "yen?", "disposed": "date?", "opening_accumulated": "yen?",
                     "opening_year": "year*", "revised_base": "yen?"},
    "leases": {"lease": "id", "segment": "segment", "first_due": "date", "term_months": "count", "amount": "yen",
               "monthly_rate": "decimal?", "payment": "yen?"},
    "securities": {"security": "id", "name": "text", "segment": "segment", "account": "account", "face_value": "yen",
                   "maturity": "date", "purpose": "text"},
    "grant_uses": {"use": "id", "name": "text", "segment": "segment", "grant_account": "account", "fiscal_year": "year",
                   "spent": "yen"},
    "provisions": {"provision": "id", "name": "text", "segment": "segment", "account": "account",
                   "expense_account": "account", "method": "enum:bonus|retirement_simplified|bylaw", "amount": "yen",
                   "period_start": "date*", "period_end": "date*"},
    "reserves": {"reserve": "id", "segment": "segment", "account": "account", "action": "enum:provision|release",
                 "counter_account": "account", "fiscal_year": "year", "amount": "yen", "basis": "text"},
    "aro": {"obligation": "id", "name": "text", "segment": "segment", "account": "account", "expense_account": "account",
            "recognised": "date", "discount_rate": "decimal", "initial_amount": "yen", "opening_balance": "yen?",
            "opening_year": "year*", "settled": "date?", "undiscounted_amount": "yen*", "expected_settlement": "date*"},
    "resident_tax": {"office": "id", "jurisdiction": "text", "segment": "segment", "annual_amount": "yen",
                     "opened": "date?", "closed": "date?"},
}
BUDGET_COLUMNS = {"statement": "stmt", "line": "line", "segment": "segment?", "amount": "amount"}
HISTORY_COLUMNS = {"year": "hyear", "segment": "segment", "value": "hvalue"}
CELLS = ["", " ", "abc", "１００", "1,000", "3.5", "0.5", "-5", "0", "+5", "--5", "5-", "²", "٣", "1e3", "NaN", "Infinity",
         "99999999999999999999", "1000000000000001", "1000000000000000", "12", "2020-02-30", "R2.5.10", "令和2年4月1日",
         "2020/04/01", "20200401", "2020-W14-3", "2020-04-01", "2021-03-31", "9999-12-31", "0001-01-01", "1900-01-01",
         '=HYPERLINK("http://example.invalid/","x")', "a\x00b", "9999", "XX", "0.0077", "-0.01", "1_000", " 12 ", "0.",
         ".5", "１.５", "2014", "２０１４", "-3.25", "1.0e-2"]


def required(kind: str, col: str, row: dict[str, str]) -> bool:
    """Whether a conditional register field (``…*``) is needed by the rest of its row."""
    method = row.get("method", "").strip()
    if kind == "fixed_assets":
        return {"useful_life": method not in ("lease", "none"), "lease_months": method == "lease",
                "opening_year": bool(row.get("opening_accumulated", "").strip())}[col]
    if kind == "provisions":
        return method == "bonus"
    if kind == "aro":  # each of undiscounted_amount and expected_settlement needs the other
        other = {"opening_year": "opening_balance", "undiscounted_amount": "expected_settlement",
                 "expected_settlement": "undiscounted_amount"}[col]
        return bool(row.get(other, "").strip())
    return True


def judge_cell(base: Base, kind: str, col: str, typ: str, value: str, *, row: dict[str, str]) -> str:
    v = value.strip()
    if "\x00" in value:
        return "invalid"
    optional = typ.endswith("?") or (typ.endswith("*") and not required(kind, col, row))
    typ = typ.rstrip("?*")
    if not v and typ not in ("text", "id", "segment"):
        return "any" if optional else "invalid"
    if typ == "text":  # a bond's name is the label of its inputs: at most 200 characters
        return "invalid" if kind == "securities" and col == "name" and len(value) > 200 else "valid"
    if typ == "id":
        return "any"
    if typ == "segment":
        if not v and kind == "budget":
            return "any"  # the whole organisation (a duplicate is possible)
        return ("any" if kind != "history" else "valid") if v in base.segments else "invalid"
    if typ == "account":
        return "any" if v in base.accounts else "invalid"
    if typ.startswith("enum:"):
        return "any" if v in typ[5:].split("|") else "invalid"
    if typ in ("yen", "amount"):
        n = amount_value(value)
        if n is None or abs(n) > MAX_YEN or (typ == "yen" and n < 0):  # a register holds amounts, never negative
            return "invalid"
        return "valid" if typ == "amount" else "any"
    if typ == "count":
        n = amount_value(value)
        return "invalid" if n is None or n <= 0 or n > 10_000 else "any"
    if typ == "date":
        return "any" if iso_date(value) else "invalid"
    if typ in ("year", "hyear"):
        return "any" if re.fullmatch(r"[0-9]{4}", v) else "invalid"
    if typ == "decimal":
        return "any" if is_decimal(value) and not v.startswith("-") else "invalid"
    if typ == "hvalue":
        return "valid" if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v) else "invalid"
    if typ in ("stmt", "line"):
        stmt, line = (v, row["line"].strip()) if typ == "stmt" else (row["statement"].strip(), v)
        return "any" if (stmt, line) in base.budget_lines else "invalid"
    raise ValueError(typ)


def _columns_of(kind: str) -> dict[str, str]:
    if kind == "budget":
        return BUDGET_COLUMNS
    if kind == "history":
        return HISTORY_COLUMNS
    return REGISTERS[kind.split(":")[1]]


@mutation("csv-cell", kinds=("budget", "register", "history"), weight=10)
def csv_cell(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base, ("budget", "register", "history"))
    rows = csv_read(wd.read(rel))
    if len(rows) < 2:
        return Verdict(rel, "any", "no row")
    columns = _columns_of(kind)
    r = draw(st.integers(1, len(rows) - 1))
    col = pick(draw, [c for c in columns if c in rows[0]])
    c = rows[0].index(col)
    value = draw(st.one_of(st.sampled_from(CELLS), st.sampled_from(list(base.segments) + list(base.accounts)[:20]),
                           st.text(max_size=10), st.integers(-10**16, 10**16).map(str)))
    row = dict(zip(rows[0], rows[r], strict=True))
    old = row[col]
    row[col] = value
    rows[r][c] = value
    wd.write(rel, csv_text(rows))
    register = kind.split(":")[-1]
    expect = judge_cell(base, register, col, columns[col], value, row=row)
    if value.strip() == old.strip() and "\x00" not in value:
        expect = "valid"
    if kind in ("budget", "history") and expect == "valid":
        keys = [tuple(x.strip() for x in (rw[:3] if kind == "budget" else rw[:2])) for rw in rows[1:]]
        if len(set(keys)) != len(keys):
            expect = "invalid"  # two amounts for one line and segment, two figures for one year
    where = ("inputs.toml",) if kind in INPUT_REGISTERS else ()
    return Verdict(rel, expect, f"row {r} {col} {value!r} (was {old!r})", base.postings if expect == "valid" else None,
                   lines=(r + 1,) if expect == "invalid" and "\n" not in wd.read(rel) else (), where=where)


@mutation("csv-fields", kinds=("budget", "register", "history"), weight=3)
def csv_fields(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, _ = pick_file(draw, base, ("budget", "register", "history"))
    rows = csv_read(wd.read(rel))
    if len(rows) < 2:
        return Verdict(rel, "any", "no row")
    r = draw(st.integers(1, len(rows) - 1))
    if draw(st.booleans()):
        rows[r] = rows[r][:draw(st.integers(0, len(rows[r]) - 1))]
    else:
        rows[r] = [*rows[r], *draw(st.lists(st.sampled_from(["", "x", "1"]), min_size=1, max_size=3))]
    wd.write(rel, csv_text(rows))
    # a row cut to no field at all is an empty line: an error like any other
    return Verdict(rel, "invalid", f"row {r} with {len(rows[r])} fields", lines=(r + 1,))


@mutation("csv-duplicate-row", kinds=("budget", "register", "history"), weight=2)
def csv_duplicate_row(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, kind = pick_file(draw, base, ("budget", "register", "history"))
    rows = csv_read(wd.read(rel))
    if len(rows) < 2:
        return Verdict(rel, "any", "no row")
    r = draw(st.integers(1, len(rows) - 1))
    rows.append(list(rows[r]))
    wd.write(rel, csv_text(rows))
    # the same amount twice, the same figure twice, the same asset twice; registers whose ids
    # may repeat (a reserve's 繰入 and 取崩) or whose rows add up are judged by the closing
    expect = "invalid" if kind in ("budget", "history", "register:fixed_assets") else "any"
    return Verdict(rel, expect, f"row {r} repeated", phase=phase_of(kind), lines=(len(rows),) if expect == "invalid" else ())


@mutation("csv-shuffle", kinds=("budget", "register", "history"), weight=2)
def csv_shuffle(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, _ = pick_file(draw, base, ("budget", "register", "history"))
    rows = csv_read(wd.read(rel))
    body = rows[1:]
    body = [body[k] for k in draw(st.permutations(range(len(body))))]
    wd.write(rel, csv_text([rows[0], *body]))
    return Verdict(rel, "valid", "rows reordered", base.postings)


@mutation("csv-text", kinds=("register",), weight=2)
def csv_text_cell(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    """A formula, markup or odd Unicode in a register's name, purpose or basis: text, kept as it is."""
    choices = [(rel, k) for rel, k in base.files.items() if k.startswith("register:")
               and any(t == "text" for t in REGISTERS[k[9:]].values())]
    rel, kind = pick(draw, choices)
    rows = csv_read(wd.read(rel))
    if len(rows) < 2:
        return Verdict(rel, "any", "no row")
    cols = [c for c, t in REGISTERS[kind[9:]].items() if t == "text"]
    col = pick(draw, cols)
    r = draw(st.integers(1, len(rows) - 1))
    text = pick(draw, TEXTS)
    rows[r][rows[0].index(col)] = text
    wd.write(rel, csv_text(rows))
    expect = judge_cell(base, kind[9:], col, "text", text, row={})
    return Verdict(rel, expect, f"row {r} {col} = {text[:30]!r}", base.postings if expect == "valid" else None)


@mutation("csv-header", kinds=("opening", "budget", "register", "history"), weight=2)
def csv_header(draw: Draw, base: Base, wd: Workdir) -> Verdict:
    rel, _ = pick_file(draw, base, ("opening", "budget", "register", "history"))
    rows = csv_read(wd.read(rel))
    how = pick(draw, ["upper", "swap", "extra", "missing", "blank-padded"])
    header = list(rows[0])
    if how == "upper":
        header = [h.upper() for h in header]
    elif how == "swap":
        header[0], header[1] = header[1], header[0]
    elif how == "extra":
        header.append("note")
    elif how == "missing":
        header.pop()
    else:
        header = [f" {h} " for h in header]
    rows[0] = header
    wd.write(rel, csv_text(rows))
    valid = how == "blank-padded"
    return Verdict(rel, "valid" if valid else "invalid", f"header {how}", base.postings if valid else None,
                   lines=() if valid else (1,))


# --------------------------------------------------------------------------- running a book


class CaseTimeout(Exception):
    pass


def _alarm(_signum: int, _frame: Any) -> None:
    raise CaseTimeout()


def table_rows(engine: sa.Engine) -> int:
    """Rows in every table but Alembic's: 0 in a database no load has written to."""
    total = 0
    with engine.connect() as conn:
        for name in sa.inspect(conn).get_table_names():
            if name != "alembic_version":
                total += conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
    return total


class Databases:
    """An empty SQLite database (kept while loads are rejected), and a PostgreSQL schema of one's own."""

    def __init__(self, tmp: Path, pg_url: str | None, pg_prefix: str):
        self.tmp = tmp
        self.template = tmp / "template.sqlite"
        kessan.open_database(f"sqlite:///{self.template}").dispose()
        self.n = 0
        self.engine: sa.Engine | None = None
        self.pg_url = pg_url
        self.pg_schema = f"{pg_prefix}{os.getpid()}"
        self.pg: sa.Engine | None = None
        self.pg_admin: sa.Engine | None = None

    def fresh_url(self) -> str:
        self.n += 1
        path = self.tmp / f"db-{self.n}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def sqlite(self) -> sa.Engine:
        if self.engine is None:
            self.engine = kessan.open_database(self.fresh_url())
        return self.engine

    def spoilt(self) -> None:
        """A load wrote to the database: the next book gets a new one."""
        if self.engine is not None:
            path = self.engine.url.database
            self.engine.dispose()
            self.engine = None
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def postgres(self) -> sa.Engine:
        assert self.pg_url is not None
        if self.pg is None:
            if self.pg_admin is None:
                self.pg_admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
            with self.pg_admin.connect() as conn:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {self.pg_schema} CASCADE"))
                conn.execute(sa.text(f"CREATE SCHEMA {self.pg_schema}"))
            sep = "&" if "?" in self.pg_url else "?"
            self.pg = kessan.open_database(f"{self.pg_url}{sep}options=-csearch_path%3D{self.pg_schema}")
        return self.pg

    def pg_spoilt(self) -> None:
        if self.pg is not None:
            self.pg.dispose()
            self.pg = None

    def close(self) -> None:
        self.spoilt()
        self.pg_spoilt()
        if self.pg_admin is not None:
            self.pg_admin.dispose()


@dataclass
class Outcome:
    accepted: bool = True
    problems: list[Any] = field(default_factory=list)
    traceback: str | None = None
    half_written: bool = False
    postings: int | None = None


@dataclass
class Tally:
    books: int = 0
    distinct: set[str] = field(default_factory=set)  # fingerprints of the books (a small mutation repeats some)
    by_base: Counter[str] = field(default_factory=Counter)
    by_mutation: Counter[str] = field(default_factory=Counter)
    expect: Counter[str] = field(default_factory=Counter)
    rejected: int = 0
    accepted_invalid: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    half_written: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    unlocated: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    harness: list[str] = field(default_factory=list)
    paths: Counter[str] = field(default_factory=Counter)  # how many books went through each path
    seconds: float = 0.0

    def findings(self) -> tuple[int, ...]:
        return (len(self.accepted_invalid), len(self.tracebacks), len(self.half_written), len(self.false_alarms),
                len(self.unlocated), len(self.wrong))

    def merge(self, other: Tally) -> None:
        for name, value in vars(other).items():
            mine = getattr(self, name)
            if isinstance(mine, Counter):
                mine.update(value)
            elif isinstance(mine, set):
                mine |= value
            elif isinstance(mine, list):
                mine.extend(value)
            else:
                setattr(self, name, mine + value)


@dataclass
class Options:
    books: int
    seed: int
    pg_url: str | None
    pg_every: int
    cli_every: int
    deep_every: int
    timeout: float
    keep: Path | None
    only: tuple[str, ...]
    tmp: Path
    pg_prefix: str


def origin(exc: BaseException) -> str:
    """The innermost frame of kessan's own code that an exception passed through (path:line)."""
    where = "?"
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if "kessan" in path.parts and "site-packages" not in path.parts and path.name != "fuzz.py":
            where = f"{'/'.join(path.parts[path.parts.index('kessan') + 1:])}:{frame.lineno}"
    return where


def attempt(fn: Callable[[], Any], timeout: float) -> tuple[Any, BaseException | None, str | None]:
    """Run ``fn``: (its result, an AppError it raised, or the traceback of anything else)."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return fn(), None, None
    except kessan.AppError as exc:
        return None, exc, None
    except CaseTimeout:
        return None, None, f"no answer within {timeout:g} s"
    except Exception as exc:  # exactly what the fuzzer counts
        return None, exc, f"({origin(exc)}) " + "".join(traceback.format_exception(exc)[-6:])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def load_on(engine_of: Callable[[], sa.Engine], spoilt: Callable[[], None], path: Path, timeout: float) -> Outcome:
    engine = engine_of()
    loaded, error, tb = attempt(lambda: kessan.load(engine, path), timeout)
    if tb is not None:
        spoilt()
        return Outcome(accepted=False, traceback=tb)
    if error is not None:
        out = Outcome(accepted=False, problems=list(getattr(error, "problems", [])) or [error])
        if table_rows(engine):
            out.half_written = True
            spoilt()
        return out
    spoilt()
    return Outcome(postings=loaded.postings)


def deep(path: Path, timeout: float) -> Outcome:
    """The path of `kessan report BOOK_DIR` and `kessan check BOOK_DIR`: load in memory, close, report, check."""
    def run() -> None:
        with kessan.open_book(path) as book:
            book.report()
            book.checks()
    _, error, tb = attempt(run, timeout * 2)
    if tb is not None:
        return Outcome(accepted=False, traceback=tb)
    if error is not None:
        return Outcome(accepted=False, problems=list(getattr(error, "problems", [])) or [error])
    return Outcome()


def cli(path: Path, args: list[str], timeout: float) -> tuple[int, str, str | None]:
    runner = CliRunner()
    result, _, tb = attempt(lambda: runner.invoke(cli_app, [args[0], str(path), *args[1:]], env={"COLUMNS": "120"}), timeout)
    if tb is not None:
        return 70, "", tb
    text = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tb = f"({origin(result.exception)}) " + "".join(traceback.format_exception(result.exception)[-6:])
    elif result.exit_code == 70 or "Traceback" in text or "internal error" in text:
        tb = f"(kessan {args[0]}) " + text[-1500:]
    return result.exit_code, text, tb


def named(problems: list[Any], verdict: Verdict) -> bool:
    files = {verdict.file, *verdict.where}
    for p in problems:
        if getattr(p, "file", None) in files and (not verdict.lines or p.line in verdict.lines or p.file != verdict.file):
            return True
    return False


def judge(case: Case, wd: Workdir, dbs: Databases, opts: Options, tally: Tally) -> None:
    v = case.verdict
    label = f"{case.base} {case.mutation} #{case.index} {v.file}: {v.detail[:160]}"
    tally.books += 1
    tally.by_base[case.base] += 1
    tally.by_mutation[case.mutation] += 1
    tally.expect[v.expect] += 1

    def problems_text(problems: list[Any]) -> str:
        return "; ".join(str(p) for p in problems[:3])[:400]

    outcomes: list[tuple[str, Outcome]] = []
    first = load_on(dbs.sqlite, dbs.spoilt, wd.path, opts.timeout)
    outcomes.append(("load/sqlite", first))
    tally.paths["load/sqlite"] += 1
    if dbs.pg_url and case.index % opts.pg_every == 0:
        outcomes.append(("load/postgresql", load_on(dbs.postgres, dbs.pg_spoilt, wd.path, opts.timeout)))
        tally.paths["load/postgresql"] += 1
    # the report, the checks and the closing read more than a load: layouts, budgets, history and
    # registers are also judged there (and the small book always)
    deep_file = v.file not in ("journal.csv", "opening.csv")
    if first.accepted and (v.phase == "report" or deep_file or case.index % opts.deep_every == 0 or case.base == "mini"):
        outcomes.append(("open_book+report+checks", deep(wd.path, opts.timeout)))
        tally.paths["open_book+report+checks"] += 1
    for path_name, out in outcomes:
        if out.traceback:
            tally.tracebacks.append(f"{label}\n    [{path_name}] {out.traceback.strip()}")
        if out.half_written:
            tally.half_written.append(f"{label} [{path_name}]")
    if case.index % opts.cli_every == 0:
        command = ["report"] if v.phase == "report" else ["load", "--db", dbs.fresh_url()]
        code, text, tb = cli(wd.path, command, opts.timeout)
        tally.paths[f"cli {command[0]}"] += 1
        if tb is not None:
            tally.tracebacks.append(f"{label}\n    [kessan {command[0]}] exit {code}: {tb.strip()[-800:]}")
        elif v.expect == "invalid" and code != 2:
            tally.accepted_invalid.append(f"{label} [kessan {command[0]}: exit {code}]")
        elif v.expect == "valid" and code != 0:
            tally.false_alarms.append(f"{label} [kessan {command[0]}: exit {code}] {text.strip()[-300:]}")
        elif code == 2 and v.expect == "invalid" and v.file not in text and not any(w in text for w in v.where):
            tally.unlocated.append(f"{label} [kessan {command[0]}] {text.strip()[-300:]}")
    if any(out.traceback for _, out in outcomes):
        return
    at_load = [out for name, out in outcomes if name.startswith("load/")]
    rejected_at_load = [out for out in at_load if not out.accepted]
    reports = [out for name, out in outcomes if name == "open_book+report+checks"]
    if rejected_at_load:
        tally.rejected += 1
    if len(rejected_at_load) not in (0, len(at_load)):
        tally.wrong.append(f"{label}: SQLite and PostgreSQL disagree: "
                           + " | ".join(f"{n}: {'rejected ' + problems_text(o.problems) if not o.accepted else 'loaded'}"
                                        for n, o in outcomes if n.startswith("load/")))
    if v.expect == "invalid":
        caught_at = "load" if rejected_at_load else ("report" if any(not o.accepted for o in reports) else None)
        if caught_at is None or (v.phase == "load" and caught_at != "load"):
            more = f" (caught only by report: {problems_text(reports[0].problems)})" if caught_at else ""
            if caught_at is None and v.phase == "report" and not reports:
                more = " (report not run)"
            tally.accepted_invalid.append(label + more)
        else:
            rejection = rejected_at_load[0] if rejected_at_load else next(o for o in reports if not o.accepted)
            if not named(rejection.problems, v):
                tally.unlocated.append(f"{label} → {problems_text(rejection.problems)}")
    elif v.expect == "valid":
        refusals = [(n, o) for n, o in outcomes if not o.accepted]
        if refusals:
            n, o = refusals[0]
            tally.false_alarms.append(f"{label} [{n}] → {problems_text(o.problems)}")
        for n, o in outcomes:
            if n.startswith("load/") and o.accepted and v.postings is not None and o.postings != v.postings:
                tally.wrong.append(f"{label} [{n}]: loaded {o.postings} postings, expected {v.postings}")


def keep_book(wd: Workdir, case: Case, keep: Path) -> None:
    dest = keep / f"{case.base}-{case.mutation}-{case.index:05d}"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(wd.path, dest)
    (dest / "FUZZ-CASE.txt").write_text(f"{case}\n", encoding="utf-8")


@dataclass(frozen=True)
class Unit:
    """A run of one Hypothesis test: ``count`` books of one base book and one mutation."""

    base: str
    mutation: str
    count: int

    def seed(self, seed_: int) -> int:
        return zlib.crc32(f"{seed_}:{self.base}:{self.mutation}".encode())


def units(books: int, only: tuple[str, ...]) -> list[Unit]:
    """The books split over the base books (half each) and their mutations (by weight, largest
    remainders first): the same seed and --books give the same units whatever the workers."""
    bases = {name: read_base(name, src) for name, src in BASE_DIRS.items()}
    out = []
    for n, (name, base) in enumerate(bases.items()):
        share = books // len(bases) + (1 if n < books % len(bases) else 0)
        muts = [m for m in MUTATIONS.values() if (not only or m.name in only) and applicable(m, base)]
        total = sum(m.weight for m in muts)
        if not muts or not share:
            continue
        exact = [share * m.weight / total for m in muts]
        counts = [int(x) for x in exact]
        for k in sorted(range(len(muts)), key=lambda k: counts[k] - exact[k])[: share - sum(counts)]:
            counts[k] += 1
        out += [Unit(name, m.name, c) for m, c in zip(muts, counts, strict=True) if c]
    return sorted(out, key=lambda u: -u.count)  # the longest first, for an even finish


_WORKER: dict[str, Any] = {}  # per process: the base books, their working copies, the databases


def _worker(opts: Options) -> tuple[dict[str, Base], dict[str, Workdir], Databases]:
    if not _WORKER:
        signal.signal(signal.SIGALRM, _alarm)
        tmp = Path(tempfile.mkdtemp(prefix=f"w{os.getpid()}-", dir=opts.tmp))
        bases = {name: read_base(name, src) for name, src in BASE_DIRS.items()}
        _WORKER.update(bases=bases, work={name: Workdir(b, tmp / name) for name, b in bases.items()},
                       dbs=Databases(tmp, opts.pg_url, opts.pg_prefix))
    return _WORKER["bases"], _WORKER["work"], _WORKER["dbs"]


def run_unit(unit: Unit, opts: Options) -> Tally:
    """Generate and judge the books of one unit, Hypothesis seeded by (seed, base, mutation)."""
    started = time.perf_counter()
    bases, work, dbs = _worker(opts)
    tally = Tally()
    base, wd, mut = bases[unit.base], work[unit.base], MUTATIONS[unit.mutation]
    counter = [0]

    def one(data: st.DataObject) -> None:
        index = counter[0]
        counter[0] += 1
        wd.reset()
        try:
            case = Case(index, unit.base, mut.name, mut.fn(data.draw, base, wd))
            tally.distinct.add(wd.fingerprint())
            before = tally.findings()
            judge(case, wd, dbs, opts, tally)
            if opts.keep is not None and tally.findings() != before:
                keep_book(wd, case, opts.keep)
        except Exception:  # a bug of the fuzzer itself, not of kessan
            tally.harness.append(f"{unit.base} {mut.name} #{index}: {traceback.format_exc()[-1200:]}")
        finally:
            wd.reset()

    round_ = 0
    while counter[0] < unit.count and round_ < 1000:  # Hypothesis stops when it has seen every book a mutation makes
        run = settings(max_examples=unit.count - counter[0], database=None, deadline=None, phases=[Phase.generate],
                       suppress_health_check=list(HealthCheck), report_multiple_bugs=False)(
            seed(unit.seed(opts.seed) + round_)(given(st.data())(one)))
        run()
        round_ += 1
    dbs.spoilt()
    tally.seconds = time.perf_counter() - started
    return tally


def applicable(m: Mutation, base: Base) -> bool:
    if m.kinds is None:
        return True
    kinds = set(base.files.values()) | {k.split(":")[0] for k in base.files.values()}
    if "toml" in m.kinds:
        return True
    if m.name == "journal-partner":
        return any(row[8] for _, rows in base.entries for row in rows)
    return bool(kinds & set(m.kinds))


def pg_reachable(url: str) -> bool:
    try:
        sa.create_engine(url, connect_args={"connect_timeout": 3}).connect().close()
    except Exception:  # any reason: run without it
        return False
    return True


def sanity() -> None:
    """The oracle's view of each base book agrees with kessan before anything is mutated."""
    for name, src in BASE_DIRS.items():
        base = read_base(name, src)
        with tempfile.TemporaryDirectory() as tmp:
            engine = kessan.open_database(f"sqlite:///{tmp}/base.sqlite")
            loaded = kessan.load(engine, src)
            engine.dispose()
        if loaded.postings != base.postings:
            sys.exit(f"fuzz: the oracle counts {base.postings} postings in {src}, kessan loads {loaded.postings}")
        with kessan.open_book(src) as book:
            book.report()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("--books", type=int, default=10_000, help="books to generate (default 10,000)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"Hypothesis seed (default {DEFAULT_SEED})")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="worker processes")
    ap.add_argument("--pg-url", default=os.environ.get("KESSAN_TEST_PG_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
                    help="PostgreSQL for a sample of loads (default KESSAN_TEST_PG_URL or a local server)")
    ap.add_argument("--no-pg", action="store_true", help="SQLite only")
    ap.add_argument("--pg-every", type=int, default=10, help="every Nth book is loaded into PostgreSQL too")
    ap.add_argument("--cli-every", type=int, default=20, help="every Nth book also goes through `kessan load` (CliRunner)")
    ap.add_argument("--deep-every", type=int, default=4,
                    help="every Nth accepted example book with a changed journal or opening is also opened, reported and "
                         "checked (the others always)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a book may take before it counts as a hang")
    ap.add_argument("--keep", type=Path, help="copy every book that breaks a rule into this folder")
    ap.add_argument("--only", action="append", default=[], help="only this mutation (repeatable; see --list)")
    ap.add_argument("--list", action="store_true", help="list the mutations and exit")
    ap.add_argument("--show", type=int, default=10, help="findings printed per kind")
    args = ap.parse_args(argv)
    if args.list:
        for m in MUTATIONS.values():
            print(f"{m.name:24} {(m.fn.__doc__ or '').strip().splitlines()[0] if m.fn.__doc__ else ''}")
        return 0
    unknown = [n for n in args.only if n not in MUTATIONS]
    if unknown:
        ap.error(f"unknown mutation {', '.join(unknown)} (see --list)")
    pg_url = None if args.no_pg else (args.pg_url if pg_reachable(args.pg_url) else None)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kessan-fuzz-") as tmp:
        opts = Options(args.books, args.seed, pg_url, args.pg_every, args.cli_every, args.deep_every, args.timeout,
                       args.keep.resolve() if args.keep else None, tuple(args.only), Path(tmp), f"fz{os.getpid()}_")
        plan = units(args.books, opts.only)
        pg = f"every {args.pg_every}th book of a run ({pg_url})" if pg_url else "not used"
        print(f"kessan fuzz: {args.books:,} books, seed {args.seed}, {len(plan)} Hypothesis runs (base book × mutation) "
              f"on {args.jobs} worker(s); PostgreSQL: {pg}", flush=True)
        sanity()
        total = Tally()
        try:
            if args.jobs > 1:
                with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                    for done, t in enumerate(pool.map(run_unit, plan, [opts] * len(plan)), 1):
                        total.merge(t)
                        _progress(done, len(plan), total, started)
            else:
                for done, unit in enumerate(plan, 1):
                    total.merge(run_unit(unit, opts))
                    _progress(done, len(plan), total, started)
        finally:
            if _WORKER:  # the runs of a single process
                _WORKER.pop("dbs").close()
                _WORKER.clear()
            _drop_schemas(pg_url, opts.pg_prefix)
    return report(total, time.perf_counter() - started, args.show)


def _drop_schemas(pg_url: str | None, prefix: str) -> None:
    """The PostgreSQL schemas the workers made (one each), dropped at the end."""
    if pg_url is None:
        return
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        names = conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"), {"p": prefix + "%"}).scalars()
        for name in list(names):
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    admin.dispose()


def _progress(done: int, of: int, t: Tally, started: float) -> None:
    if done == of or done % max(1, of // 10) == 0:
        print(f"  {t.books:,} books ({done}/{of} runs), {time.perf_counter() - started:,.0f} s: "
              f"{len(t.accepted_invalid)} accepted invalid, {len(t.tracebacks)} tracebacks, "
              f"{len(t.half_written)} half-written, {len(t.false_alarms)} false alarms", flush=True)


def report(t: Tally, seconds: float, show: int) -> int:
    print()
    print(f"books: {t.books:,}, {len(t.distinct):,} distinct ({', '.join(f'{k} {v:,}' for k, v in sorted(t.by_base.items()))}); "
          f"oracle: {t.expect['invalid']:,} invalid, {t.expect['valid']:,} valid, {t.expect['any']:,} unjudged")
    print(f"paths: {', '.join(f'{k} {v:,}' for k, v in sorted(t.paths.items()))}; rejected at load: {t.rejected:,}")
    print("mutations: " + ", ".join(f"{k} {v}" for k, v in sorted(t.by_mutation.items())))
    rows = [("invalid inputs accepted", t.accepted_invalid, True), ("tracebacks", t.tracebacks, True),
            ("half-written databases", t.half_written, True), ("valid inputs rejected (false alarms)", t.false_alarms, True),
            ("rejections not naming the file/line", t.unlocated, True), ("wrong results", t.wrong, True),
            ("fuzzer errors", t.harness, True)]
    print()
    for name, items, _ in rows:
        print(f"  {name:40} {len(items):>6}")
    print(f"  {'time':40} {seconds:>6.0f} s ({seconds / max(t.books, 1) * 1000:.0f} ms a book)")
    if t.tracebacks:
        found = [re.search(r"\] (?:exit \d+: )?\(([^)]*)\)", tb) for tb in t.tracebacks]
        origins = Counter(m.group(1) if m else "?" for m in found)
        print("  tracebacks by origin: " + ", ".join(f"{k} {v}" for k, v in origins.most_common()))
    for name, items, _ in rows:
        if items:
            print(f"\n{name} (first {min(show, len(items))} of {len(items)}):")
            for item in items[:show]:
                print("  " + item.replace("\n", "\n  "))
    bad = any(items for _, items, gate in rows if gate)
    print("\nFAIL" if bad else "\nOK: no invalid input accepted, no traceback, nothing half written")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

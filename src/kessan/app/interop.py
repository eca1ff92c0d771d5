"""Imports and exports of journals (docs/import.md), for ``OpenBook.import_file``,
``OpenBook.export`` and ``OpenBook.trial_balance``.

An import reads the file and the mapping, converts every 伝票 and checks every invariant
before anything is written; then posts all entries in one transaction with its audit event
(kind "import"). An export reads the year's entries and the balances brought forward from
the store and writes the file to a temporary name beside its target, then moves it into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa

from ..export import FORMATS as EXPORT_FORMATS
from ..export import Brought, ExportError, beancount_text, journal_csv, ledger_text, yayoi_bytes, yayoi_mapping
from ..io.files import Problems
from ..io.interop import FORMATS as IMPORT_FORMATS
from ..io.interop import read_mapping, read_slips, to_entries
from ..io.interop.convert import unmapped
from ..ledger.errors import BookError
from ..ledger.model import Book, Cell
from ..store import audit, repo
from ..store.journal import year_entries
from .errors import BadInput, Unavailable, translated


@dataclass(frozen=True)
class Imported:
    file: str
    entries: int
    postings: int
    skipped: int  # 伝票 the mapping's [settlement] said to skip
    first: str | None  # id of the first entry posted
    last: str | None


@dataclass(frozen=True)
class Exported:
    data: bytes
    entries: int
    mapping: str | None  # yayoi: the mapping that imports the file back


class Balance(NamedTuple):
    """One line of the trial balance (残高試算表) of a year, per segment and account."""

    segment: str
    account: str
    opening: int
    movement: int
    closing: int


def import_journal(engine: sa.Engine, code: str, book: Book, path: Path, *, fmt: str, mapping_path: Path,
                   actor: str) -> Imported:
    if fmt not in IMPORT_FORMATS:
        raise BadInput(f"unknown import format {fmt!r} (choose from {', '.join(IMPORT_FORMATS)})")
    with translated(f"{path.name} was not imported"):
        problems = Problems()
        mapping = read_mapping(mapping_path, book.chart, problems)
        shown, slips = read_slips(path, fmt, problems, mapping.sheet if mapping else None)
        # every problem of reading, and every unmapped name (all of them, with their counts), at once
        missing = unmapped(slips, mapping, shown) if mapping is not None else []
        if problems.items or missing:
            raise BookError([*problems.items, *missing])
        assert mapping is not None
        prefix = mapping.id_prefix if mapping.id_prefix is not None else _prefix(path)
        converted = to_entries(slips, mapping, book, shown, prefix)
        entries = converted.entries
        if not entries:
            raise BadInput(f"{path.name}: nothing to import ({len(slips)} 伝票, {converted.skipped} skipped by [settlement])")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        postings = sum(len(e.postings) for e in entries)
        detail = (f"imported {len(entries)} entries ({postings} postings) from {path.name} ({fmt}, sha256 {digest[:16]}) "
                  f"with mapping {mapping_path.name}" + (f"; {converted.skipped} 伝票 skipped" if converted.skipped else ""))
        try:
            repo.post_entries(engine, code, entries, audit.Event(actor, "import", detail))
        except BookError as exc:
            if all(e.message == "duplicate entry id" for e in exc.errors):
                raise BadInput(f"{path.name} was not imported: {len(exc.errors)} of its entry ids are in the book already "
                               "(imported before? ids are [import] id_prefix + the 伝票's line); nothing was written",
                               exc.errors) from exc
            raise
    return Imported(path.name, len(entries), postings, converted.skipped, entries[0].id, entries[-1].id)


def _prefix(path: Path) -> str:
    """The default id prefix: the file's name without its extension (at most 40 characters)."""
    return re.sub(r"\s+", "_", path.stem)[:40] + "-"


def export_journal(engine: sa.Engine, code: str, book: Book, year: int, fmt: str) -> Exported:
    if fmt not in EXPORT_FORMATS:
        raise BadInput(f"unknown export format {fmt!r} (choose from {', '.join(EXPORT_FORMATS)})")
    with translated(f"exporting {year}"), engine.connect() as conn:
        entries = year_entries(conn, code, year)
        brought = _brought(book, repo.cube(conn, code, year)) if fmt in ("beancount", "ledger") else []
    # the year's opening entry is part of what the plain-text ledgers bring forward, and 弥生
    # keeps 前期繰越残高 apart from its journal: only the csv writes it as an entry
    regular = [e for e in entries if e.kind != "opening"]
    if fmt == "yayoi":
        try:
            return Exported(yayoi_bytes(book, regular), len(regular), yayoi_mapping(book, regular, f"Y{year}-"))
        except ExportError as exc:
            raise BadInput(str(exc)) from exc
    if fmt == "beancount":
        return Exported(beancount_text(book, year, regular, brought).encode("utf-8"), len(regular), None)
    if fmt == "ledger":
        return Exported(ledger_text(book, year, regular, brought).encode("utf-8"), len(regular), None)
    return Exported(journal_csv(entries).encode("utf-8"), len(entries), None)


def _brought(book: Book, cells: list[Cell]) -> list[Brought]:
    """The balances brought forward, in the chart's order of segments and accounts."""
    seg = {c: i for i, c in enumerate(book.chart.segments)}
    acc = {c: i for i, c in enumerate(book.chart.accounts)}
    out = [Brought(c.segment, c.account, c.flow, c.partner, c.opening) for c in cells if c.opening]
    return sorted(out, key=lambda b: (seg[b.segment], acc[b.account], b.flow or "", b.partner or ""))


def trial_balance(engine: sa.Engine, code: str, book: Book, year: int) -> list[Balance]:
    """Per segment and account: brought forward, the year's movement, and the closing balance
    (summed over flows and partners from the aggregate the store keeps)."""
    with translated("computing the trial balance"), engine.connect() as conn:
        cells = repo.cube(conn, code, year)
    sums: dict[tuple[str, str], tuple[int, int]] = {}
    for c in cells:
        o, m = sums.get((c.segment, c.account), (0, 0))
        sums[c.segment, c.account] = (o + c.opening, m + c.movement)
    seg = {c: i for i, c in enumerate(book.chart.segments)}
    acc = {c: i for i, c in enumerate(book.chart.accounts)}
    return [Balance(s, a, o, m, o + m) for (s, a), (o, m) in sorted(sums.items(), key=lambda kv: (seg[kv[0][0]], acc[kv[0][1]]))
            if o or m]


def write_file(data: bytes, out: Path) -> Path:
    """Write ``data`` to a temporary file beside ``out`` and move it into place: a reader never
    sees half a file, and a failure leaves ``out`` as it was."""
    folder = out.parent if str(out.parent) else Path()
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise Unavailable(f"cannot write into {folder}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise Unavailable(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out


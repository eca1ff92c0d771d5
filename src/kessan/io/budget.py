"""Read BOOK_DIR/budget/ (docs/budget-format.md) into ledger.budget types.

Same rules as the journal: every problem is an InputError naming file, line and field;
the caller raises them together before anything is written.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import Any

from ..ledger.budget import Budget, BudgetAmount, BudgetNote, Reason, Revision, chain_problems
from ..ledger.errors import BookError, InputError
from ..ledger.model import Chart
from .files import Problems, amount_problem, csv_rows, parse_amount
from .tomlfile import Date, Int, Shape, Strings, Table, Tables, Text, read_toml

COLUMNS = ("statement", "line", "segment", "amount")
# lengths the database keeps (store/schema.py: budget_revision, budget_amount, budget_text)
CODE, NAME, MARK, SOURCE, NOTE_LINES = 64, 256, 32, 128, 512
REVISIONS_SHAPE = Table({"revision": Tables(Table({
    "code": Text(CODE, nonempty=True), "year": Int(1, 9998), "name": Text(NAME, nonempty=True), "approved": Date(),
    "body": Text(NAME), "file": Text(nonempty=True), "revises": Text(CODE, nonempty=True)}))})
_LINE_ID: Shape = Text(CODE, nonempty=True)
NOTES_SHAPE = Table({
    "note": Tables(Table({"statement": _LINE_ID, "mark": Text(MARK, nonempty=True), "lines": Strings(CODE),
                          "text": Text()})),
    "reason": Tables(Table({"statement": _LINE_ID, "line": _LINE_ID, "segment": Text(CODE), "text": Text(),
                            "amount": Int(), "source": Text(SOURCE), "part": Int(1, 1000)})),
})


def _toml(path: Path, name: str, shape: Table, errors: list[InputError]) -> dict[str, Any]:
    found = Problems()
    doc = read_toml(path, name, found, shape)
    errors.extend(found.items)
    return doc or {}


def _revisions(doc: dict[str, Any], errors: list[InputError]) -> list[tuple[Revision, str]]:
    out: list[tuple[Revision, str]] = []
    name = "budget/revisions.toml"
    for i, r in enumerate(doc.get("revision", []), 1):
        where = f"revision #{i}"
        missing = [k for k in ("code", "year", "name", "approved", "file") if k not in r]
        if missing:
            errors.append(InputError(name, None, missing[0], f"{where}: missing {', '.join(missing)}"))
            continue
        file = PurePosixPath(r["file"])
        if file.is_absolute() or ".." in file.parts or "\\" in r["file"]:
            errors.append(InputError(name, None, "file", f"{where} ({r['code']}): file {r['file']!r} must name a file "
                                     "in budget/"))
            continue
        out.append((Revision(r["code"], r["year"], r["name"], r["approved"], r.get("body", ""), r.get("revises")), r["file"]))
    codes = [rev.code for rev, _ in out]
    for c in {c for c in codes if codes.count(c) > 1}:
        errors.append(InputError(name, None, "code", f"duplicate revision code {c!r}"))
    for code, fld, msg in chain_problems(tuple(rev for rev, _ in out)):
        errors.append(InputError(name, None, fld, f"revision {code}: {msg}"))
    return out


def _amounts(path: Path, rev: Revision, chart: Chart, years: set[int], *, lines: Collection[tuple[str, str]] | None,
             errors: list[InputError]) -> list[BudgetAmount]:
    name = f"budget/{path.name}"
    out: list[BudgetAmount] = []
    if rev.year not in years:
        errors.append(InputError("budget/revisions.toml", None, "year",
                                 f"revision {rev.code}: {rev.year} is not a declared fiscal year"))
    seen: set[tuple[str, str, str | None]] = set()
    found = Problems()
    for line, row in csv_rows(path, COLUMNS, found, name=name):
        if len(row) != len(COLUMNS):
            found.add(name, line, None, f"expected {len(COLUMNS)} fields, got {len(row)}")
            continue
        stmt, ln, seg, amt = (c.strip() for c in row)
        amount = parse_amount(amt)
        if amount is None:
            found.add(name, line, "amount", amount_problem(amt))
            continue
        if seg and seg not in chart.segments:
            found.add(name, line, "segment", f"unknown segment {seg!r}")
            continue
        if lines is not None and (stmt, ln) not in lines:
            found.add(name, line, "line", f"{stmt}.{ln}: not a line of a budget layout")
            continue
        key = (stmt, ln, seg or None)
        if key in seen:
            found.add(name, line, "line", f"duplicate budget amount for {stmt}.{ln} {seg or '法人全体'}")
            continue
        seen.add(key)
        out.append(BudgetAmount(rev.code, stmt, ln, seg or None, amount))
    errors.extend(found.items)
    return out


def _notes(doc: dict[str, Any], chart: Chart, errors: list[InputError]) -> tuple[list[BudgetNote], list[Reason]]:
    name = "budget/notes.toml"
    notes: list[BudgetNote] = []
    reasons: list[Reason] = []
    for i, n in enumerate(doc.get("note", []), 1):
        if not all(k in n for k in ("statement", "mark", "text")):
            errors.append(InputError(name, None, "note", f"note #{i}: needs statement, mark and text"))
            continue
        if len(",".join(n.get("lines", ()))) > NOTE_LINES:
            errors.append(InputError(name, None, "lines", f"note #{i}: its lines take more than {NOTE_LINES} characters"))
            continue
        notes.append(BudgetNote(n["statement"], n["mark"], tuple(n.get("lines", ())), n["text"]))
    for i, r in enumerate(doc.get("reason", []), 1):
        if not all(k in r for k in ("statement", "line", "text")):
            errors.append(InputError(name, None, "reason", f"reason #{i}: needs statement, line and text"))
            continue
        seg = r.get("segment")
        if seg is not None and seg not in chart.segments:
            errors.append(InputError(name, None, "segment", f"reason #{i}: unknown segment {seg!r}"))
            continue
        amount = r.get("amount")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
            errors.append(InputError(name, None, "amount", f"reason #{i}: amount must be an integer (百万円)"))
            continue
        if amount is not None and r.get("source"):
            errors.append(InputError(name, None, "source", f"reason #{i}: give either amount or source, not both"))
            continue
        reasons.append(Reason(r["statement"], r["line"], seg, r["text"], amount, r.get("source"), r.get("part", 1)))
    return notes, reasons


def read_budget(root: Path | str, chart: Chart, years: set[int],
                lines: Collection[tuple[str, str]] | None = None) -> Budget | None:
    """Read the budget folder, or None when the book has none; raise BookError on problems.

    ``lines``, the (statement, line id) pairs of the budget layouts, locates an amount given for
    any other line by its file and line (else ``budget_report.budget_problems`` finds it later)."""
    folder = Path(root) / "budget"
    if not folder.is_dir():
        return None
    errors: list[InputError] = []
    revs = _revisions(_toml(folder / "revisions.toml", "budget/revisions.toml", REVISIONS_SHAPE, errors), errors)
    amounts: list[BudgetAmount] = []
    for rev, file in revs:
        amounts.extend(_amounts(folder / file, rev, chart, years, lines=lines, errors=errors))
    notes: list[BudgetNote] = []
    reasons: list[Reason] = []
    if (folder / "notes.toml").exists():
        notes, reasons = _notes(_toml(folder / "notes.toml", "budget/notes.toml", NOTES_SHAPE, errors), chart, errors)
    if errors:
        raise BookError(errors)
    return Budget(tuple(r for r, _ in revs), tuple(amounts), tuple(notes), tuple(reasons))

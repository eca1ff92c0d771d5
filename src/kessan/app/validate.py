"""The cross-file validation pass: what no single file's shape can tell, checked once every
file of a book directory has been read and before anything is stored.

Each file is first read against its declared shape (io/tomlfile.py: a typo is refused there),
and the layouts together (statements/layout.py: references, roles, formula cycles). This pass
then looks across the rest: lines of one statement
that would publish two figures under one name, a schedule line whose role no column reads,
flows and segments a layout names but the chart does not declare, and the kinds of the
accounts that hold the closing's roles. Every problem is located by file, line and field, like a
problem of a single file, so a new organisation's book fails at ``load`` with the place to fix
rather than at ``close`` or in a published table.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..io.files import Problems
from ..io.tomlfile import KeyLines, read_text
from ..ledger.errors import InputError
from ..ledger.model import Book
from ..statements.layout import BookLayouts, Layout

# The kind of account a role must be held by: the closing posts to it on that side, so a role
# on an account of another kind (retained earnings on an expense) is a slip, found at load.
ROLE_KINDS = {
    "retained_earnings": ("net_assets",),
    "grant_drawdown_revenue": ("revenue",),
    "grant_disposal_revenue": ("revenue",),
    "lease_current": ("liability",),
    "lease_noncurrent": ("liability",),
    "resident_tax_expense": ("expense",),
    "resident_tax_payable": ("liability",),
}


class _Files:
    """Where a statement's keys are: its layout file and the line of each key in it."""

    def __init__(self, layouts: tuple[tuple[str, str], ...]):
        self.of: dict[str, tuple[str, KeyLines]] = {}
        for name, text in layouts:
            sid = tomllib.loads(text).get("statement", {}).get("id")
            if isinstance(sid, str):
                self.of.setdefault(sid, (f"layouts/{name}", KeyLines(text)))

    def error(self, statement: str, path: tuple[str | int, ...], field: str, message: str) -> InputError:
        file, lines = self.of.get(statement, (f"layouts/ ({statement})", KeyLines("")))
        return InputError(file, lines.line(path), field, message)


def book_problems(root: Path, book: Book, layouts: BookLayouts) -> list[InputError]:
    """Every cross-file problem of a book whose files each have their shape."""
    files = _Files(book.layouts)
    out: list[InputError] = []
    for lay in layouts.statements:
        out += _duplicate_figures(lay, files)
        out += _unread_roles(lay, files)
        out += [files.error(lay.id, ("statement", "exclude_flows"), "exclude_flows",
                            f"[statement] excludes flow {f!r}, which flows.toml does not declare")
                for f in _statement_excluded_flows(book, lay.id) if f not in book.chart.flows]
    for trend in layouts.trends:
        out += [files.error(trend.id, ("row", i, "segment"), "segment",
                            f"row #{i + 1} ({label}): unknown segment {seg!r}; segments.toml declares "
                            f"{', '.join(book.chart.segments)}")
                for i, (seg, label) in enumerate(trend.rows) if seg not in book.chart.segments]
    out += _role_kinds(root, book)
    return out


def _statement_excluded_flows(book: Book, statement: str) -> list[str]:
    """The flows ``[statement] exclude_flows`` of a layout names (the default of its lines)."""
    for _, text in book.layouts:
        st = tomllib.loads(text).get("statement", {})
        if st.get("id") == statement:
            return list(st.get("exclude_flows", ()))
    return []



# ---------------------------------------------------------------- line identities


def _duplicate_figures(lay: Layout, files: _Files) -> list[InputError]:
    """Two lines of a statement whose figures would be published under one name: a figure is
    keyed by its statement's table and its line's label (or ``ref``), so the second would
    overwrite or be mistaken for the first in the figures, the package and a reconciliation."""
    out: dict[int, InputError] = {}  # one problem a line, though it may clash in both tables
    for segment in (False, True):
        if segment and not lay.segment_table:
            continue
        seen: dict[str, int] = {}
        for i, ln in enumerate(lay.lines):
            # a line without an id keeps its own amount (statements/engine.py); lines with ids are
            # the book's figures, and two of them must not share a name
            if not ln.has_amount or ln.id is None or (ln.segment_only and not segment):
                continue
            key = (ln.segment_ref or ln.figure_label) if segment else ln.figure_label
            if key in seen and i not in out:
                field = "segment_ref" if segment and ln.segment_ref else ("ref" if ln.ref else "label")
                table = "segment table" if segment else "statement"
                out[i] = files.error(lay.id, ("line", i, field), field,
                                     f"line #{i + 1} ({ln.label}): its figure in the {table} is named {key!r} like "
                                     f"line #{seen[key] + 1}'s: give one of them a ref of its own "
                                     f"(figures are keyed by it)")
            seen.setdefault(key, i)
    return list(out.values())


# ---------------------------------------------------------------- schedule roles


def _unread_roles(lay: Layout, files: _Files) -> list[InputError]:
    """A schedule line giving accounts or inputs for a role that no column of the schedule
    reads: the line's amounts would be left out without a word (a typo of a role)."""
    if not lay.measures:
        return []
    roles = {c.role for c in lay.measures if c.role is not None}
    out = []
    for i, ln in enumerate(lay.lines):
        for role, field in [(r, "accounts") for r, _ in ln.role_accounts] + [(r, "inputs") for r, _ in ln.role_inputs
                                                                             if r is not None]:
            if role not in roles:
                out.append(files.error(lay.id, ("line", i, field), field,
                                       f"line #{i + 1} ({ln.label}): no column reads role {role!r} "
                                       f"(the columns' roles: {', '.join(sorted(roles)) or 'none'})"))
    return out


# ---------------------------------------------------------------- roles of accounts


def _role_kinds(root: Path, book: Book) -> list[InputError]:
    """Each account role held by an account of the kind the closing posts to it as."""
    text = read_text(root / "accounts.toml", "accounts.toml", Problems()) or ""
    lines = KeyLines(text)
    out = []
    for i, account in enumerate(book.chart.accounts.values()):
        for role in account.roles:
            kinds = ROLE_KINDS.get(role, ())
            if kinds and account.kind not in kinds:
                out.append(InputError("accounts.toml", lines.line(("account", i, "roles")), "roles",
                                      f"account {account.code} ({account.name}) is {account.kind}; the role "
                                      f"{role!r} belongs to an account of kind {' or '.join(kinds)}"))
    return out

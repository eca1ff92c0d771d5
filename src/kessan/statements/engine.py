"""Evaluate statement layouts on the balance cube.

Columns ("views") of a statement:

* one per segment: every posting of that segment, inter-segment ones included;
* ``相殺等`` (ELIM): the inter-segment postings (those with a partner) of all segments —
  what the whole-organisation view removes;
* ``合計`` (TOTAL): all postings without a partner. This is the whole-organisation
  statement, computed independently of the segment columns, so the check
  Σ segments − 相殺等 = 合計 tests the engine rather than restating it.

Amounts come from SQL aggregates (store.repo.cube); this module only adds cube cells
selected by a line's accounts and flows, times each account's normal sign.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..ledger.budget import Budget, Revision
from ..ledger.model import Book, Cell
from .layout import Layout, Line, parse_layouts

ELIM = "相殺等"
TOTAL = "合計"


def _cell_amount(c: Cell, basis: str) -> int:
    if basis == "closing":
        return c.opening + c.movement
    if basis == "opening":
        return c.opening
    if basis == "movement":
        return c.movement
    return c.appropriation_next


@dataclass
class StatementSet:
    """All statements of one book for one fiscal year, evaluated lazily and memoised."""

    book: Book
    year: int
    layouts: dict[str, Layout]
    cells: list[Cell]
    budget: Budget | None = None
    revision: Revision | None = None  # the budget revision reported (default: the year's latest)
    history: dict = field(default_factory=dict)  # series → {(year, segment): published value}
    inputs: dict = field(default_factory=dict)  # key → InputValue of this year (inputs.toml)
    _by_account: dict[str, list[Cell]] = field(default_factory=dict)
    _memo: dict[tuple[str, str, str], int] = field(default_factory=dict)
    _budget_amounts: dict[tuple[str, str, str | None], int] = field(default_factory=dict)
    _budget_memo: dict[tuple[str, str, str], int | None] = field(default_factory=dict)

    @classmethod
    def build(cls, book: Book, year: int, cells: list[Cell], budget: Budget | None = None,
              revision: str | None = None, history: dict | None = None) -> "StatementSet":
        layouts = {lay.id: lay for lay in parse_layouts(book.layouts, book.chart)}
        by_account: dict[str, list[Cell]] = defaultdict(list)
        for c in cells:
            by_account[c.account].append(c)
        rev = None
        if budget is not None:
            rev = next((r for r in budget.revisions if r.code == revision), None) if revision else budget.head(year)
            if revision and rev is None:
                raise KeyError(f"no budget revision {revision!r}")
        amounts = budget.amounts_of(rev.code) if (budget and rev) else {}
        return cls(book, year, layouts, cells, budget, rev, history=history or {}, _by_account=dict(by_account),
                   _budget_amounts=amounts)

    # -- columns

    @property
    def segment_codes(self) -> list[str]:
        return list(self.book.chart.segments)

    def columns(self, layout: Layout) -> list[str]:
        """View codes: segments, ELIM, TOTAL for segment tables; TOTAL otherwise."""
        if layout.segment_table:
            return [*self.segment_codes, ELIM, TOTAL]
        return [TOTAL]

    def column_label(self, view: str) -> str:
        seg = self.book.chart.segments.get(view)
        return seg.name if seg else view

    @staticmethod
    def _in_view(c: Cell, view: str) -> bool:
        if view == TOTAL:
            return c.partner is None
        if view == ELIM:
            return c.partner is not None
        return c.segment == view

    # -- values

    def ordered(self) -> list[Layout]:
        return sorted(self.layouts.values(), key=lambda lay: (lay.order, lay.id))

    def value(self, stmt: str, line: Line | str, view: str = TOTAL, column: str | None = None) -> int | None:
        """A line's amount in a view; for schedules, in one measure column (default: the first)."""
        layout = self.layouts[stmt]
        ln = layout.line(line) if isinstance(line, str) else line
        if not ln.has_amount:
            return None
        if layout.measures and column is None:
            column = layout.measures[0].id
        key = (stmt, ln.id or ln.label, view, column)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = 0  # guards against formula cycles; replaced below
        col = next((c for c in layout.measures if c.id == column), None) if column else None
        input_key = ln.input_for(col.role if col else None)
        if col is not None and col.formula is not None:  # a column computed from other columns
            total = sum(sign * (int(t) if t.isdigit() else self.value(stmt, ln, view, t) or 0) for sign, t in col.formula)
        elif input_key is not None and (col is not None or ln.formula is None):
            # an input (時価, memo balance, 平均利率) belongs to the whole organisation, not to a
            # segment; a column's own input wins over the line's formula (a total line's rate)
            total = self.inputs[input_key].amount if (view == TOTAL and input_key in self.inputs) else 0
        elif ln.formula is not None:
            total = sum(sign * self._term(stmt, term, view, column) for sign, term in ln.formula)
        elif col is not None:
            total = col.sign * self._sum(ln.accounts_for(col.role), col.flows, col.exclude_flows, col.basis, view)
        else:
            total = ln.sign * self._sum(ln.accounts, ln.flows, ln.exclude_flows, ln.basis, view)
        self._memo[key] = total
        return total

    def _term(self, stmt: str, term: str, view: str, column: str | None = None) -> int:
        if term.isdigit():
            return int(term)
        if "." in term:
            other, line_id = term.split(".", 1)
            return self.value(other, line_id, view) or 0
        return self.value(stmt, term, view, column) or 0

    def _sum(self, codes, flows, exclude_flows, basis: str, view: str) -> int:
        accounts = self.book.chart.accounts
        total = 0
        for code in codes:
            sign = accounts[code].normal_sign
            for c in self._by_account.get(code, ()):
                if not self._in_view(c, view):
                    continue
                if flows is not None and c.flow not in flows:
                    continue
                if c.flow in exclude_flows:
                    continue
                total += sign * _cell_amount(c, basis)
        return total

    # -- budget (予算額): given amounts, else the line's formula over budget values

    def budget_value(self, stmt: str, line: Line | str, view: str = TOTAL) -> int | None:
        """予算額 of a line, or None where the budget does not say (no amount, no formula)."""
        layout = self.layouts[stmt]
        ln = layout.line(line) if isinstance(line, str) else line
        if not ln.has_amount or view == ELIM:
            return None
        key = (stmt, ln.id or ln.label, view)
        if key in self._budget_memo:
            return self._budget_memo[key]
        self._budget_memo[key] = None  # cycle guard
        segment = None if view == TOTAL else view
        given = self._budget_amounts.get((stmt, ln.id, segment))
        result: int | None = given
        if result is None and ln.formula is not None:
            result = 0
            for sign, term in ln.formula:
                v = int(term) if term.isdigit() else self._budget_term(stmt, term, view)
                if v is None:
                    result = None
                    break
                result += sign * v
        self._budget_memo[key] = result
        return result

    def _budget_term(self, stmt: str, term: str, view: str) -> int | None:
        other, _, line_id = term.rpartition(".")
        other = other or stmt
        if view == TOTAL and self.layouts[other].line(line_id).segment_only:
            return 0  # e.g. 他事業勘定: nets to zero for the organisation, never budgeted
        return self.budget_value(other, line_id, view)

    def lines_for(self, layout: Layout, segment_table: bool) -> list[Line]:
        return [ln for ln in layout.lines if segment_table or not ln.segment_only]

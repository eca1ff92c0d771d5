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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ..ledger.budget import Budget, Revision
from ..ledger.model import Book, Cell
from .layout import BookLayouts, Layout, Line, parse_book_layouts

History = dict[str, dict[tuple[int, str], str]]  # series → {(year, segment): published figure}


class Input(Protocol):
    """A recorded input figure (io.inputs.InputValue): its amount in yen (or hundredths of a %)."""

    @property
    def amount(self) -> int: ...


ELIM = "相殺等"
TOTAL = "合計"


@dataclass(frozen=True, slots=True)
class Source:
    """Provenance of a statement figure, for drill-down to the postings behind it.

    ``postings``: the sum of the postings of ``accounts`` (restricted to ``flows``, without
    ``exclude_flows``) measured on ``basis``, times ``sign`` × each account's normal sign, in
    ``view``: a segment (all its postings), 相殺等 (postings with a partner) or 合計 (postings
    without a partner). ``formula``: ``terms`` over other lines (``stmt.line`` for another
    statement); ``columns``: ``terms`` over other columns of the same line; ``input``: a
    recorded input (inputs.toml or a register).
    """

    kind: str  # postings | formula | columns | input
    statement: str
    line: str
    column: str | None
    view: str
    accounts: tuple[str, ...] = ()
    flows: tuple[str, ...] | None = None
    exclude_flows: tuple[str, ...] = ()
    basis: str | None = None
    sign: int = 1
    terms: tuple[tuple[int, str], ...] = ()
    input: str | None = None

    @property
    def segment(self) -> str | None:
        return None if self.view in (TOTAL, ELIM) else self.view

    @property
    def partners(self) -> str:
        """Which postings by partner: none (合計: without a partner), only (相殺等), any (a segment)."""
        return {TOTAL: "none", ELIM: "only"}.get(self.view, "any")


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
    history: History = field(default_factory=dict)  # series → {(year, segment): published value}
    inputs: Mapping[str, Input] = field(default_factory=dict)  # key → input of this year (inputs.toml, registers)
    _by_account: dict[str, list[Cell]] = field(default_factory=dict)
    _memo: dict[tuple[str, str | Line, str, str | None], int] = field(default_factory=dict)
    _budget_amounts: dict[tuple[str, str, str | None], int] = field(default_factory=dict)
    _budget_memo: dict[tuple[str, str | Line, str], int | None] = field(default_factory=dict)

    parsed: BookLayouts | None = None  # every layout of the book (statements, 推移, text)

    @classmethod
    def build(cls, book: Book, year: int, cells: list[Cell], *, budget: Budget | None = None,
              revision: str | None = None, history: History | None = None,
              layouts: BookLayouts | None = None, inputs: Mapping[str, Input] | None = None) -> StatementSet:
        """The statements of ``year``; ``layouts`` parsed once by the caller, else parsed here."""
        parsed = layouts or parse_book_layouts(book.layouts, book.chart)
        by_account: dict[str, list[Cell]] = defaultdict(list)
        for c in cells:
            by_account[c.account].append(c)
        rev = None
        if budget is not None:
            rev = next((r for r in budget.revisions if r.code == revision), None) if revision else budget.head(year)
        if revision and rev is None:
            raise KeyError(f"no budget revision {revision!r}" + ("" if budget else " (the book has no budget)"))
        amounts = budget.amounts_of(rev.code) if (budget and rev) else {}
        return cls(book, year, {lay.id: lay for lay in parsed.statements}, cells, budget, rev, history=history or {},
                   inputs=inputs or {}, _by_account=dict(by_account), _budget_amounts=amounts, parsed=parsed)

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

    def _resolve(self, stmt: str, line: Line | str, column: str | None) -> tuple[Layout, Line, str | None] | None:
        """The layout, the line and the measure column (default: the first) of a figure; None
        for a line without an amount (a heading)."""
        layout = self.layouts[stmt]
        ln = layout.line(line) if isinstance(line, str) else line
        if not ln.has_amount:
            return None
        return layout, ln, column if column is not None or not layout.amount_measures else layout.amount_measures[0].id

    def value(self, stmt: str, line: Line | str, view: str = TOTAL, column: str | None = None) -> int | None:
        """A line's amount in a view; for schedules, in one measure column (default: the first)."""
        resolved = self._resolve(stmt, line, column)
        if resolved is None:
            return None
        layout, ln, column = resolved
        # a line without an id is its own key: two unnamed lines with one label stay distinct
        key = (stmt, ln.id or ln, view, column)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = 0  # guards against formula cycles; replaced below
        src = self._source(layout, ln, view, column)
        if src.kind == "columns":  # a column computed from other columns of the same line
            total = sum(sign * (int(t) if t.isdigit() else self.value(stmt, ln, view, t) or 0) for sign, t in src.terms)
        elif src.kind == "input":
            # an input (時価, memo balance, 平均利率) belongs to the whole organisation, not to a segment
            given = self.inputs.get(src.input) if view == TOTAL and src.input else None
            total = given.amount if given is not None else 0
        elif src.kind == "formula":
            total = sum(sign * self._term(stmt, term, view, column) for sign, term in src.terms)
        else:
            total = src.sign * self._sum(src.accounts, src.flows, src.exclude_flows, src.basis or "closing", view)
        self._memo[key] = total
        return total

    def source(self, stmt: str, line: Line | str, view: str = TOTAL, column: str | None = None) -> Source | None:
        """Provenance of a figure: the postings it sums or the figures it combines."""
        resolved = self._resolve(stmt, line, column)
        return None if resolved is None else self._source(resolved[0], resolved[1], view, resolved[2])

    @staticmethod
    def _source(layout: Layout, ln: Line, view: str, column: str | None) -> Source:
        """How a line's figure in a column is made: from other columns, an input, the line's
        formula, or postings. value() evaluates exactly this, so provenance cannot drift."""
        col = next((c for c in layout.measures if c.id == column), None) if column else None
        input_key = ln.input_for(col.role if col else None)
        line = ln.id or ln.label
        if col is not None and col.formula is not None:
            return Source("columns", layout.id, line, column, view, terms=col.formula)
        if input_key is not None and (col is not None or ln.formula is None):
            # a column's own input wins over the line's formula (a total line's rate)
            return Source("input", layout.id, line, column, view, input=input_key)
        if ln.formula is not None:
            return Source("formula", layout.id, line, column, view, terms=ln.formula)
        if col is not None:
            return Source("postings", layout.id, line, column, view, accounts=ln.accounts_for(col.role), flows=col.flows,
                          exclude_flows=col.exclude_flows, basis=col.basis, sign=col.sign)
        return Source("postings", layout.id, line, column, view, accounts=ln.accounts, flows=ln.flows,
                      exclude_flows=ln.exclude_flows, basis=ln.basis, sign=ln.sign)

    def _term(self, stmt: str, term: str, view: str, column: str | None = None) -> int:
        if term.isdigit():
            return int(term)
        if "." in term:
            other, line_id = term.split(".", 1)
            return self.value(other, line_id, view) or 0
        return self.value(stmt, term, view, column) or 0

    def _sum(self, codes: tuple[str, ...], flows: tuple[str, ...] | None, exclude_flows: tuple[str, ...], basis: str,
             view: str) -> int:
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
        key = (stmt, ln.id or ln, view)
        if key in self._budget_memo:
            return self._budget_memo[key]
        self._budget_memo[key] = None  # cycle guard
        segment = None if view == TOTAL else view
        result = self._budget_amounts.get((stmt, ln.id, segment)) if ln.id else None
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

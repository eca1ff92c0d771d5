"""What a closing step reads: the book, the year, the balances so far and the registers.

A step is a pure function ``ClosingState → list[Entry]``; ``with_entries`` gives the state
after posting entries, so each step of the run (pipeline.py) sees what the earlier ones booked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..ledger.model import Book, Cell, Entry
from ..ledger.subledgers import Subledgers


@dataclass(frozen=True)
class ClosingState:
    """What a step may read: the book, the year, balances so far and the sub-ledgers."""

    book: Book
    year: int
    cells: tuple[Cell, ...]
    subledgers: Subledgers = field(default_factory=Subledgers)

    def movement(self, segment: str, account: str, exclude_flows: tuple[str, ...] = ()) -> int:
        return sum(c.movement for c in self.cells
                   if c.segment == segment and c.account == account and c.flow not in exclude_flows)

    def balance(self, segment: str, account: str) -> int:
        """Closing balance so far (debit-positive) of one account in one segment."""
        return sum(c.opening + c.movement for c in self.cells if c.segment == segment and c.account == account)

    def with_entries(self, entries: list[Entry]) -> ClosingState:
        """The state after posting ``entries`` (pure: a new state)."""
        acc: dict[tuple[str, str, str | None, str | None], list[int]] = {}
        for c in self.cells:
            acc[(c.segment, c.account, c.flow, c.partner)] = [c.opening, c.movement, c.appropriation_next]
        for e in entries:
            for p in e.postings:
                acc.setdefault((p.segment, p.account, p.flow, p.partner), [0, 0, 0])[1] += p.amount
        cells = tuple(Cell(s, a, f, pt, o, m, n) for (s, a, f, pt), (o, m, n) in acc.items())
        return ClosingState(self.book, self.year, cells, self.subledgers)


Step = Callable[[ClosingState], list[Entry]]

"""The closing run (決算整理): an ordered list of pure steps, each mapping the ledger state and
the sub-ledgers to proposed journal entries.

    state₀ = balances of the year without any generated closing entry
    for step in STEPS: entries = step(state, subledgers); state = state + entries

``run`` returns the batch per step without touching the database. ``batch.plan``
(closing/batch.py) compares it with what earlier runs posted and, because posted entries
never change, replaces a step's earlier version by the reversal and the new version; an
unchanged step posts nothing. So a re-run never duplicates a batch. The caller posts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..ledger.model import NET_INCOME_FLOW, Book, Cell, Entry, Posting
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

    def with_entries(self, entries: list[Entry]) -> "ClosingState":
        """The state after posting ``entries`` (pure: a new state)."""
        acc: dict[tuple, list[int]] = {}
        for c in self.cells:
            acc[(c.segment, c.account, c.flow, c.partner)] = [c.opening, c.movement, c.appropriation_next]
        for e in entries:
            for p in e.postings:
                acc.setdefault((p.segment, p.account, p.flow, p.partner), [0, 0, 0])[1] += p.amount
        cells = tuple(Cell(s, a, f, pt, o, m, n) for (s, a, f, pt), (o, m, n) in acc.items())
        return ClosingState(self.book, self.year, cells, self.subledgers)


Step = Callable[[ClosingState], list[Entry]]


def income_close(state: ClosingState) -> list[Entry]:
    """損益振替: close every revenue and expense balance of each segment into its 積立金.

    Every posting carries the reserved flow ``net_income`` so the income statement, which
    leaves that flow out, still shows the year's result after the books are closed.
    """
    reserve = state.book.settings.get("closing", {}).get("retained_earnings_account", "3210")
    fy = state.book.fiscal_year(state.year)
    out: list[Entry] = []
    # closed per (account, partner), so that inter-segment revenue and expense stay eliminable
    by_segment: dict[str, dict[tuple[str, str | None], int]] = defaultdict(lambda: defaultdict(int))
    for c in state.cells:
        kind = state.book.chart.accounts[c.account].kind
        if kind in ("revenue", "expense") and c.movement:
            by_segment[c.segment][(c.account, c.partner)] += c.movement
    for seg in state.book.chart.segments:
        balances = {k: v for k, v in sorted(by_segment.get(seg, {}).items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
                    if v}
        if not balances:
            continue
        postings = [Posting(seg, a, -v, NET_INCOME_FLOW, partner) for (a, partner), v in balances.items()]
        # the reserve takes the sum of the balances closed: a profit (net credit) is a credit to 積立金
        postings.append(Posting(seg, reserve, sum(balances.values()), NET_INCOME_FLOW))
        seg_name = state.book.chart.segments[seg].name
        out.append(Entry("", fy.end, "closing", f"{fy.label} 損益振替 ({seg_name})", tuple(postings)))
    return out


# The order of a Japanese year-end close (domain.md §6.0); steps whose sub-ledger is absent
# produce nothing. 損益振替 is always last: it closes what the others booked.
def steps() -> list[tuple[str, Step]]:
    from . import steps as s

    return [
        ("depreciation", s.depreciation),
        ("grant_drawdown", s.grant_drawdown),
        ("provisions", s.provisions),
        ("aro_accretion", s.aro_accretion),
        ("reserves", s.reserves),
        ("lease_reclassification", s.lease_reclassification),
        ("resident_tax", s.resident_tax),
        ("income_close", income_close),
    ]


def run(state: ClosingState, only: set[str] | None = None) -> dict[str, list[Entry]]:
    """Run every step in order on an evolving state; return the proposed entries per step."""
    batch: dict[str, list[Entry]] = {}
    for name, step in steps():
        entries = step(state) if only is None or name in only else []
        batch[name] = entries
        state = state.with_entries(entries)
    return batch

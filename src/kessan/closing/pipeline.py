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

from ..ledger.model import Entry
from . import steps
from .state import ClosingState, Step

# The order of a Japanese year-end close (domain.md §6.0); steps whose sub-ledger is absent
# produce nothing. 損益振替 is always last: it closes what the others booked.
STEPS: tuple[tuple[str, Step], ...] = (
    ("depreciation", steps.depreciation),
    ("grant_drawdown", steps.grant_drawdown),
    ("provisions", steps.provisions),
    ("aro_accretion", steps.aro_accretion),
    ("reserves", steps.reserves),
    ("lease_reclassification", steps.lease_reclassification),
    ("resident_tax", steps.resident_tax),
    ("income_close", steps.income_close),
)


def run(state: ClosingState, only: set[str] | None = None) -> dict[str, list[Entry]]:
    """Run every step in order on an evolving state; return the proposed entries per step."""
    batch: dict[str, list[Entry]] = {}
    for name, step in STEPS:
        entries = step(state) if only is None or name in only else []
        batch[name] = entries
        state = state.with_entries(entries)
    return batch

"""The batch of a closing run: compare it with earlier runs, replace changed steps, never duplicate.

Generated entries have codes ``CL<year>-<step>-v<n>-<seq>``; the reversal of one adds ``-R``.
The effective version of a step is its latest version whose entries are not reversed.

Pure, like the steps: the caller reads the book, the balance cube and what earlier runs
posted (``store.repo.closing_entries``), plans here, and posts ``batch_entries(plans)``
(``store.repo.post_entries``)::

    plans = batch.plan(book, year, cells, generated, subledgers)
    store.repo.post_entries(engine, code, batch.batch_entries(plans))
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..ledger.invariants import reversal
from ..ledger.model import Book, Cell, Entry, Posting
from ..ledger.subledgers import Subledgers
from .pipeline import run
from .state import ClosingState


@dataclass(frozen=True)
class StepPlan:
    step: str
    version: int  # version to post (0: nothing posted ever)
    previous: list[Entry]  # the effective entries of the last run
    proposed: list[Entry]  # the new entries (codes assigned)

    @property
    def unchanged(self) -> bool:
        return _canon(self.previous) == _canon(self.proposed)


def _posting_key(p: Posting) -> tuple[str, str, int, str, str]:
    """An order of postings that also holds where one has no flow or partner and another has."""
    return p.segment, p.account, p.amount, p.flow or "", p.partner or ""


def _canon(entries: list[Entry]) -> list[tuple[dt.date, tuple[tuple[str, str, int, str, str], ...]]]:
    return sorted((e.date, tuple(sorted(_posting_key(p) for p in e.postings))) for e in entries)


def _effective(generated: Sequence[Entry], step: str, year: int) -> tuple[int, list[Entry]]:
    prefix = f"CL{year}-{step}-v"
    reversed_codes = {e.id[:-2] for e in generated if e.id.startswith(prefix) and e.id.endswith("-R")}
    versions: dict[int, list[Entry]] = defaultdict(list)
    for e in generated:
        if e.id.startswith(prefix) and not e.id.endswith("-R"):
            versions[int(e.id[len(prefix):].split("-")[0])].append(e)
    if not versions:
        return 0, []
    latest = max(versions)
    live = [e for e in versions[latest] if e.id not in reversed_codes]
    return latest, live


def plan(book: Book, year: int, cells: Sequence[Cell], generated: Sequence[Entry], subledgers: Subledgers, *,
         only: set[str] | None = None) -> list[StepPlan]:
    """The closing batch of ``year``, per step, compared with the effective batch of earlier runs.

    ``cells`` is the balance cube of ``year`` as stored (earlier runs' entries included);
    ``generated`` are those entries (``store.repo.closing_entries``). The run starts from
    the balances without them, so it computes the same batch however often it is repeated.
    """
    base = ClosingState(book, year, tuple(cells), subledgers).with_entries(
        [e._replace(postings=tuple(p._replace(amount=-p.amount) for p in e.postings)) for e in generated])
    batch = run(base, only)
    plans = []
    for step, entries in batch.items():
        version, previous = _effective(generated, step, year)
        coded = [e._replace(id=f"CL{year}-{step}-v{version + 1}-{i:04d}") for i, e in enumerate(entries, 1)]
        plans.append(StepPlan(step, version + 1, previous, coded))
    return plans


def batch_entries(plans: Sequence[StepPlan]) -> list[Entry]:
    """What to post for ``plans``: for every changed step, the reversals (``…-R``) of its
    previous version, then its new version; nothing for an unchanged step."""
    entries: list[Entry] = []
    for p in plans:
        if p.unchanged:
            continue
        for e in p.previous:
            entries.append(reversal(e, e.id + "-R", e.date, f"再計算のため取消: {e.memo}")._replace(kind="closing"))
        entries.extend(p.proposed)
    return entries


def batch_counts(plans: Sequence[StepPlan]) -> tuple[int, int]:
    """(reversals, new entries) that ``batch_entries(plans)`` holds."""
    changed = [p for p in plans if not p.unchanged]
    return sum(len(p.previous) for p in changed), sum(len(p.proposed) for p in changed)

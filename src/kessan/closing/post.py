"""Posting a closing run: compare with earlier runs, replace changed steps, never duplicate.

Generated entries have codes ``CL<year>-<step>-v<n>-<seq>``; the reversal of one adds ``-R``.
The effective version of a step is its latest version whose entries are not reversed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from ..ledger.invariants import reversal
from ..ledger.model import Entry, Posting
from ..store import repo
from ..store import schema as s
from .pipeline import ClosingState, run
from .subledgers import Subledgers


@dataclass(frozen=True)
class StepPlan:
    step: str
    version: int  # version to post (0: nothing posted ever)
    previous: list[Entry]  # the effective entries of the last run
    proposed: list[Entry]  # the new entries (codes assigned)

    @property
    def unchanged(self) -> bool:
        return _canon(self.previous) == _canon(self.proposed)


def _canon(entries: list[Entry]) -> list:
    return sorted((e.date, tuple(sorted(e.postings))) for e in entries)


def _generated(conn, book_code: str, year: int) -> list[Entry]:
    book_id = repo._book_id(conn, book_code)
    ids = repo.book_ids(conn, book_id)
    seg = {v: k for k, v in ids.segments.items()}
    acc = {v: k for k, v in ids.accounts.items()}
    flw = {v: k for k, v in ids.flows.items()}
    rows = conn.execute(
        sa.select(s.entry.c.entry_no, s.entry.c.code, s.entry.c.date, s.entry.c.kind, s.entry.c.memo,
                  s.posting.c.segment_id, s.posting.c.account_id, s.posting.c.amount, s.posting.c.flow_id,
                  s.posting.c.partner_id)
        .join(s.posting, sa.and_(s.posting.c.book_id == s.entry.c.book_id, s.posting.c.entry_no == s.entry.c.entry_no))
        .where(s.entry.c.book_id == book_id, s.entry.c.code.like(f"CL{year}-%"))
        .order_by(s.entry.c.entry_no, s.posting.c.line_no)).all()
    entries: dict[int, list] = {}
    heads: dict[int, tuple] = {}
    for r in rows:
        heads[r.entry_no] = (r.code, r.date, r.kind, r.memo)
        entries.setdefault(r.entry_no, []).append(
            Posting(seg[r.segment_id], acc[r.account_id], int(r.amount), flw.get(r.flow_id), seg.get(r.partner_id)))
    return [Entry(code, date, kind, memo, tuple(entries[no])) for no, (code, date, kind, memo) in heads.items()]


def _effective(generated: list[Entry], step: str, year: int) -> tuple[int, list[Entry]]:
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


def plan(engine: sa.Engine, book_code: str, year: int, subledgers: Subledgers, only: set[str] | None = None) -> list[StepPlan]:
    """Compute the closing batch and compare it with the effective batch of earlier runs."""
    with engine.connect() as conn:
        book = repo.load_stored_book(conn, book_code)
        cells = repo.cube(conn, book_code, year)
        generated = _generated(conn, book_code, year)
    base = ClosingState(book, year, tuple(cells), subledgers).with_entries(
        [e._replace(postings=tuple(p._replace(amount=-p.amount) for p in e.postings)) for e in generated])
    batch = run(base, only)
    plans = []
    for step, entries in batch.items():
        version, previous = _effective(generated, step, year)
        coded = [e._replace(id=f"CL{year}-{step}-v{version + 1}-{i:04d}") for i, e in enumerate(entries, 1)]
        plans.append(StepPlan(step, version + 1, previous, coded))
    return plans


def post(engine: sa.Engine, book_code: str, plans: list[StepPlan]) -> tuple[int, int]:
    """Post changed steps: reversals of the previous version, then the new one. Returns (reversed, posted)."""
    entries: list[Entry] = []
    n_rev = 0
    for p in plans:
        if p.unchanged:
            continue
        for e in p.previous:
            entries.append(reversal(e, e.id + "-R", e.date, f"再計算のため取消: {e.memo}")._replace(kind="closing"))
            n_rev += 1
        entries.extend(p.proposed)
    if entries:
        repo.post_entries(engine, book_code, entries)
    return n_rev, len(entries) - n_rev

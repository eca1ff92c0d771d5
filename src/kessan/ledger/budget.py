"""Budget types (予算): revisions forming a chain, amounts per statement line and segment.

A revision is a complete budget for one fiscal year; a 補正予算 ``revises`` the revision it
replaces. The 予算額 of a year is the head of its chain: the revision no other revision
revises. Earlier revisions are kept and can still be reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Revision:
    code: str
    year: int
    name: str
    approved: dt.date
    body: str
    revises: str | None = None


class BudgetAmount(NamedTuple):
    revision: str
    statement: str
    line: str
    segment: str | None  # None: the whole organisation
    amount: int


@dataclass(frozen=True, slots=True)
class BudgetNote:
    """(注n) of the 決算報告書: a marker on lines and the text printed below the table."""

    statement: str
    mark: str
    lines: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Reason:
    """左の主な理由 of the 決算の概要, citing an amount in 百万円.

    ``source`` names a budget line (stmt.line) whose 四捨五入(決算 − 予算) is the cited amount,
    computed by the engine; ``amount`` is the published figure where no source exists.
    """

    statement: str
    line: str
    segment: str | None
    text: str
    amount: int | None = None
    source: str | None = None
    part: int = 1


@dataclass(frozen=True)
class Budget:
    revisions: tuple[Revision, ...] = ()
    amounts: tuple[BudgetAmount, ...] = ()
    notes: tuple[BudgetNote, ...] = ()
    reasons: tuple[Reason, ...] = ()

    def head(self, year: int) -> Revision | None:
        """The latest revision of ``year``: the one no other revision revises."""
        revised = {r.revises for r in self.revisions if r.revises}
        heads = [r for r in self.revisions if r.year == year and r.code not in revised]
        return heads[0] if len(heads) == 1 else None

    def chain(self, year: int) -> list[Revision]:
        """Revisions of ``year`` from 当初予算 to the head."""
        by_code = {r.code: r for r in self.revisions}
        out: list[Revision] = []
        r = self.head(year)
        while r is not None:
            out.append(r)
            r = by_code.get(r.revises) if r.revises else None
        return list(reversed(out))

    def amounts_of(self, revision: str) -> dict[tuple[str, str, str | None], int]:
        return {(a.statement, a.line, a.segment): a.amount for a in self.amounts if a.revision == revision}


def chain_problems(revisions: tuple[Revision, ...]) -> list[tuple[str, str, str]]:
    """(revision code, field, message) for broken chains: unknown target, other year, fork, cycle."""
    out = []
    by_code = {r.code: r for r in revisions}
    targets: dict[str, str] = {}
    for r in revisions:
        if r.revises is None:
            continue
        target = by_code.get(r.revises)
        if target is None:
            out.append((r.code, "revises", f"revises unknown revision {r.revises!r}"))
        elif target.year != r.year:
            out.append((r.code, "revises", f"revises {r.revises!r} of another fiscal year"))
        elif r.revises in targets:
            out.append((r.code, "revises", f"{r.revises!r} is already revised by {targets[r.revises]!r}"))
        elif target.approved > r.approved:
            out.append((r.code, "approved", f"approved before the revision it revises ({r.revises!r})"))
        targets.setdefault(r.revises or "", r.code)
    for r in revisions:  # cycles
        seen: set[str] = set()
        cur: Revision | None = r
        while cur is not None and cur.revises:
            if cur.code in seen:
                out.append((r.code, "revises", "revision chain forms a cycle"))
                break
            seen.add(cur.code)
            cur = by_code.get(cur.revises)
    return out

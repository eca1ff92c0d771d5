"""Storing and reading budgets (docs/budget-format.md)."""

from __future__ import annotations

import sqlalchemy as sa

from ..ledger.budget import Budget, BudgetAmount, BudgetNote, Reason, Revision
from . import schema as s


def insert_budget(conn: sa.Connection, book_id: int, segment_ids: dict[str, int], budget: Budget) -> None:
    if budget.revisions:
        conn.execute(s.budget_revision.insert(), [
            {"book_id": book_id, "code": r.code, "year": r.year, "name": r.name, "approved": r.approved,
             "body": r.body, "revises": r.revises} for r in budget.revisions])
    if budget.amounts:
        conn.execute(s.budget_amount.insert(), [
            {"book_id": book_id, "revision": a.revision, "statement": a.statement, "line": a.line,
             "segment_id": segment_ids[a.segment] if a.segment else 0, "amount": a.amount} for a in budget.amounts])
    rows = [{"book_id": book_id, "kind": "note", "statement": n.statement, "line": ",".join(n.lines), "segment_id": 0,
             "mark": n.mark, "text": n.text, "amount": None, "source": None, "part": 1, "position": i}
            for i, n in enumerate(budget.notes)]
    rows += [{"book_id": book_id, "kind": "reason", "statement": r.statement, "line": r.line,
              "segment_id": segment_ids[r.segment] if r.segment else 0, "mark": None, "text": r.text,
              "amount": r.amount, "source": r.source, "part": r.part, "position": i}
             for i, r in enumerate(budget.reasons)]
    if rows:
        conn.execute(s.budget_text.insert(), rows)


def read_budget(conn: sa.Connection, book_id: int) -> Budget:
    segs = {r.id: r.code for r in conn.execute(sa.select(s.segment.c.id, s.segment.c.code).where(s.segment.c.book_id == book_id))}
    revisions = tuple(Revision(r.code, r.year, r.name, r.approved, r.body, r.revises) for r in conn.execute(
        sa.select(s.budget_revision).where(s.budget_revision.c.book_id == book_id).order_by(s.budget_revision.c.approved)))
    amounts = tuple(BudgetAmount(r.revision, r.statement, r.line, segs.get(r.segment_id), int(r.amount)) for r in conn.execute(
        sa.select(s.budget_amount).where(s.budget_amount.c.book_id == book_id)))
    notes, reasons = [], []
    for r in conn.execute(sa.select(s.budget_text).where(s.budget_text.c.book_id == book_id).order_by(s.budget_text.c.position)):
        if r.kind == "note":
            notes.append(BudgetNote(r.statement, r.mark, tuple(x for x in r.line.split(",") if x), r.text))
        else:
            reasons.append(Reason(r.statement, r.line, segs.get(r.segment_id), r.text,
                                  None if r.amount is None else int(r.amount), r.source, r.part))
    return Budget(revisions, amounts, tuple(notes), tuple(reasons))


def insert_history(conn: sa.Connection, book_id: int, segment_ids: dict[str, int],
                   history: dict[str, dict[tuple[int, str], str]]) -> None:
    rows = [{"book_id": book_id, "series": series, "year": y, "segment_id": segment_ids[seg], "value": v}
            for series, figs in history.items() for (y, seg), v in figs.items()]
    if rows:
        conn.execute(s.history_figure.insert(), rows)


def read_history(conn: sa.Connection, book_id: int) -> dict[str, dict[tuple[int, str], str]]:
    segs = {r.id: r.code for r in conn.execute(sa.select(s.segment.c.id, s.segment.c.code).where(s.segment.c.book_id == book_id))}
    out: dict[str, dict[tuple[int, str], str]] = {}
    for r in conn.execute(sa.select(s.history_figure).where(s.history_figure.c.book_id == book_id)):
        out.setdefault(r.series, {})[(r.year, segs[r.segment_id])] = r.value
    return out

"""Budget-vs-actual helpers: validating budget references and computing cited amounts."""

from __future__ import annotations

import re
from collections.abc import Collection

from ..ledger.budget import Budget, Reason
from ..ledger.errors import InputError
from ..ledger.rounding import UNITS, Rounding, Unit, round_yen
from .engine import TOTAL, StatementSet
from .layout import Layout

# an amount cited in a reason text: "(△9,655)" or "（3,718）"
AMOUNT_IN_TEXT = re.compile(r"([(（])(△?[\d,]+)([)）])")


def printed_amounts(text: str) -> list[int]:
    return [int(m.group(2).replace("△", "-").replace(",", "")) for m in AMOUNT_IN_TEXT.finditer(text)]


def budget_problems(budget: Budget, layouts: list[Layout], segments: Collection[str] = ()) -> list[InputError]:
    """Budget amounts, notes and reasons must name budget layouts and their line ids."""
    by_id = {lay.id: lay for lay in layouts}
    errors: list[InputError] = []

    def line_ok(stmt: str, line: str) -> bool:
        lay = by_id.get(stmt)
        return lay is not None and lay.budget and any(ln.id == line for ln in lay.lines)

    for a in budget.amounts:
        if not line_ok(a.statement, a.line):
            errors.append(InputError(f"budget/{a.revision}", None, "line",
                                     f"{a.statement}.{a.line}: not a line of a budget layout"))
    for n in budget.notes:
        for ln in n.lines:
            if not line_ok(n.statement, ln):
                errors.append(InputError("budget/notes.toml", None, "lines", f"note {n.mark}: unknown line {n.statement}.{ln}"))
    for r in budget.reasons:
        if not line_ok(r.statement, r.line):
            errors.append(InputError("budget/notes.toml", None, "line", f"reason on unknown line {r.statement}.{r.line}"))
        if r.source:
            source, _, segment = r.source.partition("@")
            stmt, _, line = source.partition(".")
            if segment and segment not in segments:
                errors.append(InputError("budget/notes.toml", None, "source", f"reason source {r.source!r}: unknown segment"))
            if not line_ok(stmt, line):
                errors.append(InputError("budget/notes.toml", None, "source", f"reason source {r.source!r} is not a budget line"))
    return errors[:50]


def cited_amount(ss: StatementSet, reason: Reason) -> int | None:
    """The amount a reason cites: 決算 − 予算 of its source line in the cited unit of the
    reason's statement (layout options cited_unit, cited_rounding; default the statement's
    own unit and rounding), or as typed."""
    if not reason.source:
        return reason.amount
    source, at, segment = reason.source.partition("@")
    stmt, _, line = source.partition(".")
    # "stmt.line@seg" cites another segment's line; "stmt.line@" the whole organisation
    view = (segment or TOTAL) if at else (reason.segment or TOTAL)
    b = ss.budget_value(stmt, line, view)
    a = ss.value(stmt, line, view)
    if b is None or a is None:
        return reason.amount
    lay = ss.layouts[reason.statement]
    unit = UNITS.get(lay.cited_unit or lay.unit, Unit.YEN)
    policy = lay.cited_rounding or lay.rounding
    return round_yen(a - b, unit, Rounding.TRUNCATE if policy == "truncate" else Rounding.HALF_UP)

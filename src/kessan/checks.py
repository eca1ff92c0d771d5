"""Auditor tie-outs (照合). Each check returns pass/fail with the figures it compared.

Statement-level ties are declared in the layouts (``ties_to``), so a new statement brings
its own tie-outs as data; the structural checks below hold for every book:

* C-1 資産合計 = 負債純資産合計, whole organisation and every segment (the statement and its
      lines found by role: balance_sheet, total_assets, total_liabilities_net_assets);
* C-2 Σ segments − 相殺等 = 合計 on every line of every segment table;
* C-3 他事業勘定 nets to zero, in total and for every pair of segments (I-1, I-1');
* C-4 every ``ties_to`` declared in a layout (CF 期末 = BS 現金及び預金, 純資産変動計算書
      期末 = BS, 当期純利益 identical in 損益計算書, 利益の処分 and 純資産変動計算書, …);
* C-5 every stored entry balances, in total and within each segment (E-1, E-2);
* C-6 the balance aggregate equals a fresh aggregation of the postings;
* C-7 trial balance: every segment's balances sum to zero at the year end;
* C-8 budget reasons: an amount the engine computes for a 主な理由 equals the one in its text;
* C-9 every account with a balance is presented in the 貸借対照表 or 損益計算書 (roles
      balance_sheet and income_statement).

A check that cannot run, because the book declares no statement or line with the role it
needs, is SKIPPED with its reason (CheckResult.skip), never dropped without a word.
* C-10 (``kessan check BOOK_DIR``) the registers agree with the ledger: 固定資産台帳, 資産除去債務,
      リース債務 (closing/tieout.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from .ledger.model import CheckResult  # checks' result type, shared with closing/tieout.py
from .statements.budget_report import cited_amount, printed_amounts
from .statements.engine import ELIM, TOTAL, StatementSet
from .statements.formula import parse_formula
from .statements.layout import Layout, Line
from .store import verify

if TYPE_CHECKING:
    import sqlalchemy as sa


def _amount(ss: StatementSet, stmt: str, ln: Line, view: str) -> int:
    """The amount of a line that has one (``ln.has_amount``) in ``view``."""
    value = ss.value(stmt, ln, view)
    if value is None:
        raise ValueError(f"{stmt}: line {ln.figure_label} has no amount")
    return value


def statement_with(ss: StatementSet, role: str) -> Layout | None:
    """The statement layout that declares ``role`` (ledger/roles.py STATEMENT_ROLES), or None."""
    return next((lay for lay in ss.ordered() if lay.role == role), None)


def _no_statement(role: str) -> str:
    return f'no layout declares [statement] role = "{role}" (layouts/*.toml)'


def _no_line(layout: Layout, role: str) -> str:
    return f'no [[line]] of {layout.file} declares role = "{role}"'


C1 = "資産合計 = 負債純資産合計"


def balance_sheet_balances(ss: StatementSet) -> list[CheckResult]:
    """C-1 on the statement with role balance_sheet, between its lines with roles total_assets
    and total_liabilities_net_assets; SKIPPED, naming what is missing, if the book has none."""
    bs = statement_with(ss, "balance_sheet")
    if bs is None:
        return [CheckResult.skip(C1, _no_statement("balance_sheet"))]
    lines = {role: bs.line_with(role) for role in ("total_assets", "total_liabilities_net_assets")}
    missing = [_no_line(bs, role) for role, ln in lines.items() if ln is None or not ln.has_amount]
    if missing:
        return [CheckResult.skip(C1, "; ".join(missing))]
    assets, totals = lines["total_assets"], lines["total_liabilities_net_assets"]
    assert assets is not None and totals is not None
    out = []
    for view in [TOTAL, *ss.segment_codes]:
        a, b = _amount(ss, bs.id, assets, view), _amount(ss, bs.id, totals, view)
        name = f"{C1} (" + ("法人全体" if view == TOTAL else ss.column_label(view)) + ")"
        out.append(CheckResult(name, a == b, f"{a:,} vs {b:,}"))
    return out


def balance_warning(ss: StatementSet) -> str | None:
    """A warning when the 貸借対照表 (role balance_sheet) does not balance, for commands that
    print statements (report, figures) without running the checks; None if it balances or
    cannot be told (the checks report that as SKIPPED)."""
    failed = [r for r in balance_sheet_balances(ss) if r.failed()]
    if not failed:
        return None
    return "the balance sheet does not balance: " + "; ".join(f"{r.name}: {r.detail}" for r in failed)


def segment_columns_add_up(ss: StatementSet) -> list[CheckResult]:
    out = []
    for layout in ss.ordered():
        if not layout.segment_table:
            continue
        bad = []
        n = 0
        for ln in ss.lines_for(layout, segment_table=True):
            if not ln.has_amount:
                continue
            n += 1
            segs = sum(_amount(ss, layout.id, ln, v) for v in ss.segment_codes)
            elim = _amount(ss, layout.id, ln, ELIM)
            total = _amount(ss, layout.id, ln, TOTAL)
            if segs - elim != total:
                bad.append(f"{ln.figure_label}: {segs:,} − {elim:,} ≠ {total:,}")
        name = f"{layout.title} (事業別)" if layout.per_segment_tables else layout.segment_table
        out.append(CheckResult(f"{name}: 各事業 − 相殺等 = 合計 ({n} lines)", not bad,
                               "; ".join(bad[:5]) or f"{n} lines foot"))
    return out


def inter_segment_nets_to_zero(ss: StatementSet) -> list[CheckResult]:
    accounts = ss.book.chart.accounts
    pair: dict[tuple[str, str], int] = defaultdict(int)
    total = 0
    for c in ss.cells:
        if accounts[c.account].inter_segment:
            amount = c.opening + c.movement
            total += amount
            pair[(c.segment, c.partner or "")] += amount
    bad = []
    for (a, b), amount in sorted(pair.items()):
        if a < b and amount + pair.get((b, a), 0) != 0:
            bad.append(f"{a}↔{b}: {amount:,} + {pair.get((b, a), 0):,}")
    for (a, b), amount in sorted(pair.items()):
        if a > b and (b, a) not in pair and amount != 0:
            bad.append(f"{a}↔{b}: {amount:,} has no counterpart")
    return [
        CheckResult("他事業勘定 nets to zero (法人全体)", total == 0, f"Σ = {total:,}"),
        CheckResult("他事業勘定 nets to zero for every pair of segments", not bad,
                    "; ".join(bad[:5]) or f"{len(pair)} positions"),
    ]


def declared_ties(ss: StatementSet) -> list[CheckResult]:
    out = []
    for layout in ss.ordered():
        for ln in layout.lines:
            if not ln.ties_to:
                continue
            mine = ss.value(layout.id, ln, TOTAL)
            other = 0
            for sign, term in parse_formula(ln.ties_to):
                if "." in term:
                    stmt, lid = term.split(".", 1)
                else:
                    stmt, lid = layout.id, term
                other += sign * (ss.value(stmt, lid, TOTAL) or 0)
            out.append(CheckResult(f"{layout.title} {ln.figure_label} = {ln.ties_to}", mine == other, f"{mine:,} vs {other:,}"))
    return out


def trial_balance(ss: StatementSet) -> list[CheckResult]:
    per_segment: dict[str, int] = defaultdict(int)
    for c in ss.cells:
        per_segment[c.segment] += c.opening + c.movement
    bad = {s: v for s, v in per_segment.items() if v != 0}
    return [CheckResult("試算表: every segment's balances sum to zero", not bad,
                        "; ".join(f"{s}: {v:,}" for s, v in bad.items()) or f"{len(per_segment)} segments")]


def stored_data_results(entries: int, unbalanced: list[verify.Unbalanced],
                        aggregate: verify.AggregateDifferences) -> list[CheckResult]:
    """C-5 and C-6 from what store.verify found (``stored_data`` reads it)."""
    out = [CheckResult("every entry balances, in total and within each segment", not unbalanced,
                       "; ".join(f"{r[0]} (segment id {r[1]}): {r[2]:,}" for r in unbalanced[:5]) or f"{entries:,} entries")]
    out.append(aggregate_result(aggregate))
    return out


def aggregate_result(aggregate: verify.AggregateDifferences) -> CheckResult:
    """C-6: the stored balance aggregate equals a fresh aggregation of the postings."""
    diff = aggregate.differing
    return CheckResult("stored balances equal the sum of postings", not diff,
                       f"{len(diff)} aggregate rows differ" if diff else f"{aggregate.stored_rows:,} aggregate rows")


def stored_data(conn: sa.Connection, book_code: str) -> list[CheckResult]:
    """C-5, C-6 on the stored book, through the queries of store.verify."""
    return stored_data_results(verify.entry_count(conn, book_code), verify.unbalanced_entries(conn, book_code),
                               verify.aggregate_differences(conn, book_code))


def budget_reasons(ss: StatementSet) -> list[CheckResult]:
    """C-8 a reason whose cited amount the engine computes prints that amount in its text."""
    if ss.budget is None or not ss.budget.reasons:
        return []
    bad, n = [], 0
    for r in ss.budget.reasons:
        if not r.source:
            continue
        n += 1
        printed = printed_amounts(r.text)
        computed = cited_amount(ss, r)
        if r.part > len(printed) or printed[r.part - 1] != computed:
            bad.append(f"{r.statement}.{r.line} {r.segment or '法人全体'}: text says "
                       f"{printed[r.part - 1] if r.part <= len(printed) else '?'}, ledger gives {computed}")
    return [CheckResult("主な理由: cited amounts computed from the ledger agree with the text", not bad,
                        "; ".join(bad[:5]) or f"{n} computed citations")]


def accounts_presented(ss: StatementSet) -> list[CheckResult]:
    """C-9 every account with a balance or movement appears in the 貸借対照表 or 損益計算書
    (the statements with roles balance_sheet and income_statement).

    An account left out of the layouts would silently drop out of the statements while the
    books still balance; this makes the omission visible.
    """
    name = "every account with a balance is presented in 貸借対照表 or 損益計算書"
    found = {role: statement_with(ss, role) for role in ("balance_sheet", "income_statement")}
    if missing := [_no_statement(role) for role, lay in found.items() if lay is None]:
        return [CheckResult.skip(name, "; ".join(missing))]
    shown: set[str] = set()
    for lay in found.values():
        assert lay is not None
        for ln in lay.lines:
            shown.update(ln.accounts)
            for _, codes in ln.role_accounts:
                shown.update(codes)
    missing = sorted({c.account for c in ss.cells if (c.opening or c.movement) and c.account not in shown})
    return [CheckResult(name, not missing,
                        ", ".join(f"{a} {ss.book.chart.accounts[a].name}" for a in missing) or f"{len(shown)} accounts mapped")]


def run_checks(ss: StatementSet, conn: sa.Connection | None = None) -> list[CheckResult]:
    results = []
    results += balance_sheet_balances(ss)
    results += segment_columns_add_up(ss)
    results += inter_segment_nets_to_zero(ss)
    results += declared_ties(ss)
    results += trial_balance(ss)
    results += budget_reasons(ss)
    results += accounts_presented(ss)
    if conn is not None:
        results += stored_data(conn, ss.book.code)
    return results

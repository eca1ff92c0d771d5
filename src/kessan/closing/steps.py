"""The 決算整理 steps, each a pure function ClosingState → entries (pipeline.py runs them in order).

The accounts and flows a step posts to beyond the register are found by the role the book
declares on them (ledger/roles.py: ``roles = [...]`` in accounts.toml and flows.toml), never
by a code. A step that has something to post and finds no holder of a role it needs refuses,
naming the role and the file that declares it; a step with nothing to post needs no role.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from fractions import Fraction

from ..ledger.errors import BookError, InputError
from ..ledger.model import NET_INCOME_ROLE, Book, Entry, FiscalYear, Posting, fiscal_year_of
from ..ledger.roles import ACCOUNT_ROLES, FLOW_ROLES
from ..ledger.rounding import truncate, truncate_to
from ..ledger.subledgers import Asset, Office, Provision
from . import formulas
from .schedules import asset_depreciation, lease_schedule, obligation_accretion
from .schedules import grant_drawdown as asset_grant_drawdown
from .state import ClosingState


def missing_role(file: str, table: str, role: str, meaning: str, needed_by: str) -> BookError:
    """The refusal of a step for want of a role: names the role, its meaning and the file that declares it."""
    return BookError([InputError(file, None, "roles", f"no {table} declares the role {role!r} ({meaning}), which "
                                 f"{needed_by} needs: add roles = [\"{role}\"] to its [[{table}]]")])


def role_account(book: Book, role: str, needed_by: str) -> str:
    """The code of the account with ``role``; BookError naming accounts.toml if none has it."""
    code = book.chart.account_with(role)
    if code is None:
        raise missing_role("accounts.toml", "account", role, ACCOUNT_ROLES[role].meaning, needed_by)
    return code


def role_flow(book: Book, role: str, needed_by: str) -> str:
    """The code of the flow with ``role``; BookError naming flows.toml if none has it."""
    code = book.chart.flow_with(role)
    if code is None:
        raise missing_role("flows.toml", "flow", role, FLOW_ROLES[role].meaning, needed_by)
    return code


def _account(state: ClosingState, role: str, step: str) -> str:
    return role_account(state.book, role, f"the closing step {step}")


def _flow(state: ClosingState, role: str, step: str) -> str:
    return role_flow(state.book, role, f"the closing step {step}")


def _closing_entry(fy: FiscalYear, memo: str, postings: Iterable[Posting]) -> list[Entry]:
    """The closing entry of ``fy`` with its 0-yen postings left out, or none if no posting is
    left: a step never proposes a 0-yen posting, nor an entry without postings."""
    kept = tuple(p for p in postings if p.amount)
    return [Entry("", fy.end, "closing", memo, kept)] if kept else []


def depreciation(state: ClosingState) -> list[Entry]:
    """減価償却 and リース資産償却: Dr 減価償却費 / Cr 減価償却累計額 (or the asset, if written off directly)."""
    fy = state.book.fiscal_year(state.year)
    out = []
    for a in state.subledgers.assets:
        try:
            amount = asset_depreciation(a, state.year)
        except ValueError as exc:  # e.g. a carried-over 定率法 asset past its switch, without revised_base
            raise BookError([InputError("subledgers/fixed_assets.csv", None, f"asset {a.asset}", str(exc))]) from exc
        if amount:
            credit = a.contra_account or a.cost_account
            flow = _flow(state, "depreciation", "depreciation")
            out += _closing_entry(fy, f"{fy.label} 減価償却 {a.asset} {a.name}", (
                Posting(a.segment, a.expense_account, amount), Posting(a.segment, credit, -amount, flow)))
    return out


def grant_drawdown(state: ClosingState) -> list[Entry]:
    """長期前受金取崩: in step with the depreciation of the assets the 長期前受金 funds, by the
    exact-sum schedule (schedules.grant_drawdown): over an asset's life, or up to its
    disposal, the drawdowns release exactly the funded amount."""
    fy = state.book.fiscal_year(state.year)
    out = []
    for a in state.subledgers.assets:
        if not a.grant_account or not a.funded_amount:
            continue
        try:
            amount = asset_grant_drawdown(a, state.year)
        except ValueError as exc:  # e.g. funded_amount above the cost
            raise BookError([InputError("subledgers/fixed_assets.csv", None, f"asset {a.asset}", str(exc))]) from exc
        if amount:
            revenue = _account(state, "grant_drawdown_revenue", "grant_drawdown")
            regular, released = _released_on_disposal(a, state.year, amount)
            disposal = state.book.chart.account_with("grant_disposal_revenue") if released else None
            if disposal is None:  # released with the drawdown: one revenue account
                regular, released = amount, 0
            out += _closing_entry(fy, f"{fy.label} 長期前受金取崩 {a.asset} {a.name}", (
                Posting(a.segment, a.grant_account, amount), Posting(a.segment, revenue, -regular),
                Posting(a.segment, disposal or revenue, -released)))
    return out + _grant_drawdown_as_spent(state)


def _released_on_disposal(a: Asset, year: int, amount: int) -> tuple[int, int]:
    """(drawdown in step with the year's depreciation, remainder released on disposal) of a
    drawdown ``amount``: in the asset's disposal year the schedule releases what is left; the
    part beyond 減価償却費 × 補助金充当額 / 取得価額 (切捨て) is the release."""
    if a.disposed is None or fiscal_year_of(a.disposed) != year or not a.cost:
        return amount, 0
    regular = min(amount, truncate(Fraction(asset_depreciation(a, year) * a.funded_amount, a.cost)))
    return regular, amount - regular


def _grant_drawdown_as_spent(state: ClosingState) -> list[Entry]:
    """長期前受金 that funds expenses is drawn down as they are spent, never beyond its balance."""
    fy = state.book.fiscal_year(state.year)
    left: dict[tuple[str, str], int] = {}
    out = []
    for g in state.subledgers.grant_uses:
        if g.fiscal_year != state.year:
            continue
        key = (g.segment, g.grant_account)
        left.setdefault(key, -state.balance(*key))
        amount = min(g.spent, left[key])
        if amount > 0:
            left[key] -= amount
            revenue = _account(state, "grant_drawdown_revenue", "grant_drawdown")
            out += _closing_entry(fy, f"{fy.label} 長期前受金取崩 {g.use} {g.name}", (
                Posting(g.segment, g.grant_account, amount), Posting(g.segment, revenue, -amount)))
    return out


def lease_reclassification(state: ClosingState) -> list[Entry]:
    """リース債務 current portion: the principal due within one year goes to 流動負債.

    Re-derived from the schedules at every close (idempotent), not reversed on 1 April.
    """
    if not state.subledgers.leases:
        return []
    fy = state.book.fiscal_year(state.year)
    step = "lease_reclassification"
    current_acc, noncurrent_acc = _account(state, "lease_current", step), _account(state, "lease_noncurrent", step)
    wanted: dict[str, int] = defaultdict(int)
    for lease in state.subledgers.leases:
        wanted[lease.segment] += formulas.current_portion(lease_schedule(lease), fy.end)
    out = []
    for seg in state.book.chart.segments:
        current = -sum(c.opening + c.movement for c in state.cells if c.segment == seg and c.account == current_acc)
        move = wanted.get(seg, 0) - current  # credit-positive amount to move into 流動
        if move:
            out += _closing_entry(fy, f"{fy.label} リース債務 1年以内返済予定額の振替", (
                Posting(seg, noncurrent_acc, move), Posting(seg, current_acc, -move)))
    return out


def allocate(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), summing exactly.

    Each share is 切捨て of total × weight / Σ weights; the yen left over go one each to the
    largest remainders (最大剰余法), so the parts sum to ``total`` exactly.
    """
    w = sum(weights)
    if not w:
        return [total] + [0] * (len(weights) - 1) if weights else []
    sign, total = (-1, -total) if total < 0 else (1, total)
    raw = [total * x for x in weights]
    parts = [truncate(Fraction(r, w)) for r in raw]
    for i in sorted(range(len(weights)), key=lambda i: -(raw[i] % w))[: total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def _months(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start``'s month to ``end``'s month, both included (0 if end < start)."""
    return max(0, (end.year - start.year) * 12 + end.month - start.month + 1)


def provision_required(p: Provision, as_of: dt.date) -> int:
    """The year-end amount one register line asks for."""
    if p.method == "bonus":  # 翌期支給見込額 × 当期に属する月数 / 支給対象期間の月数
        if p.period_start is None or p.period_end is None:
            raise ValueError(f"bonus provision {p.provision} needs period_start and period_end")
        period = _months(p.period_start, p.period_end)
        return formulas.bonus_provision(p.amount, min(period, _months(p.period_start, as_of)), period)
    return p.amount  # 簡便法: 期末自己都合要支給額; 内規: the bylaw amount


def provisions(state: ClosingState) -> list[Entry]:
    """引当金繰入: bring each provision to its required year-end amount.

    The charge is required − balance (the balance left after the year's 目的使用), which for
    退職給付引当金 is exactly the 簡便法's 期末要支給額 − 期首 + 支給額. It is spread over the
    lines' expense accounts (事業費 / 一般管理費) in proportion to their required amounts.
    A provision that fell is released (その他の減少) against the same expense accounts.
    """
    fy = state.book.fiscal_year(state.year)
    groups: dict[tuple[str, str], list[tuple[Provision, int]]] = defaultdict(list)
    for p in state.subledgers.provisions:
        groups[(p.segment, p.account)].append((p, provision_required(p, fy.end)))
    out = []
    for (seg, account), lines in groups.items():
        charge = sum(r for _, r in lines) + state.balance(seg, account)  # balance is credit-negative
        if not charge:
            continue
        by_expense: dict[str, int] = defaultdict(int)
        for (p, _), part in zip(lines, allocate(charge, [r for _, r in lines]), strict=True):
            by_expense[p.expense_account] += part
        flow = _flow(state, "provision_increase" if charge > 0 else "provision_other", "provisions")
        postings = [Posting(seg, e, v) for e, v in by_expense.items() if v] + [Posting(seg, account, -charge, flow)]
        name = state.book.chart.accounts[account].name
        out += _closing_entry(fy, f"{fy.label} {name}繰入", tuple(postings))
    return out


def aro_accretion(state: ClosingState) -> list[Entry]:
    """資産除去債務 時の経過による調整額: opening balance × 割引率 (四捨五入); in the year of
    recognition, the initial amount × 割引率 × months from the recognition month. With an
    undiscounted amount, the year before the expected settlement accretes whatever brings
    the balance to it exactly (formulas.aro_schedule). An obligation settled during the
    year accretes nothing in that year (it is settled at its opening balance)."""
    fy = state.book.fiscal_year(state.year)
    out = []
    for o in state.subledgers.obligations:
        try:
            amount = obligation_accretion(o, state.year)
        except ValueError as exc:  # e.g. an undiscounted amount below the balance
            raise BookError([InputError("subledgers/aro.csv", None, f"obligation {o.obligation}", str(exc))]) from exc
        if amount:
            flow = _flow(state, "aro_accretion", "aro_accretion")
            out += _closing_entry(fy, f"{fy.label} 資産除去債務 時の経過による調整額 {o.obligation} {o.name}", (
                Posting(o.segment, o.expense_account, amount), Posting(o.segment, o.account, -amount, flow)))
    return out


def reserves(state: ClosingState) -> list[Entry]:
    """負債性積立金: the year's decided 繰入 (expense → reserve) and 取崩 (reserve → revenue, or
    → 長期前受金 where the release funds assets)."""
    fy = state.book.fiscal_year(state.year)
    out = []
    for r in state.subledgers.reserves:
        if r.fiscal_year != state.year or not r.amount:
            continue
        name = state.book.chart.accounts[r.account].name
        if r.action == "provision":
            postings = (Posting(r.segment, r.counter_account, r.amount),
                        Posting(r.segment, r.account, -r.amount, _flow(state, "reserve_increase", "reserves")))
            memo = f"{fy.label} {name}繰入 ({r.basis})"
        else:
            postings = (Posting(r.segment, r.account, r.amount, _flow(state, "reserve_decrease", "reserves")),
                        Posting(r.segment, r.counter_account, -r.amount))
            memo = f"{fy.label} {name}取崩 ({r.basis})"
        out += _closing_entry(fy, memo, postings)
    return out


def office_months(o: Office, start: dt.date, end: dt.date) -> int:
    """Months an office existed within ``start``…``end`` (地方税法 §52③: counted by the
    calendar; less than one month counts as one, a part month beyond whole months is dropped)."""
    first, last = max(start, o.opened or start), min(end, o.closed or end)
    if last < first:
        return 0
    stop = last + dt.timedelta(days=1)
    months = (stop.year - first.year) * 12 + stop.month - first.month - (1 if stop.day < first.day else 0)
    return max(1, months)


def resident_tax(state: ClosingState) -> list[Entry]:
    """法人住民税均等割: annual amount × months / 12, 100円未満切捨て (地方税法 §20の4の2①: 100円
    未満の端数 of a tax amount is dropped), per office."""
    fy = state.book.fiscal_year(state.year)
    out = []
    for o in state.subledgers.offices:
        amount = truncate_to(Fraction(o.annual_amount * office_months(o, fy.start, fy.end), 12), 100)  # 100円未満切捨て
        if amount:
            expense = _account(state, "resident_tax_expense", "resident_tax")
            payable = _account(state, "resident_tax_payable", "resident_tax")
            out += _closing_entry(fy, f"{fy.label} 法人住民税均等割 {o.office} ({o.jurisdiction})", (
                Posting(o.segment, expense, amount), Posting(o.segment, payable, -amount)))
    return out


def income_close(state: ClosingState) -> list[Entry]:
    """損益振替: close every revenue and expense balance of each segment into its 積立金.

    Every posting carries the reserved flow (role ``net_income``) so the income statement,
    which leaves that flow out, still shows the year's result after the books are closed.
    """
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
        reserve = _account(state, "retained_earnings", "income_close")
        flow = _flow(state, NET_INCOME_ROLE, "income_close")
        postings = [Posting(seg, a, -v, flow, partner) for (a, partner), v in balances.items()]
        # the reserve takes the sum of the balances closed: a profit (net credit) is a credit to 積立金;
        # when they net to nothing (only partner buckets of one account are evened out) it takes
        # no posting at all (_closing_entry leaves 0-yen postings out)
        postings.append(Posting(seg, reserve, sum(balances.values()), flow))
        seg_name = state.book.chart.segments[seg].name
        out += _closing_entry(fy, f"{fy.label} 損益振替 ({seg_name})", tuple(postings))
    return out

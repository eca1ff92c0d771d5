"""The 決算整理 steps that read sub-ledgers. Each is a pure function ClosingState → entries.

Account codes the steps need beyond the register come from ``[book.closing]`` in book.toml
(defaults in ``_setting``); flows are attached only when the book declares them, so a book
without a flow catalogue for fixed assets still closes.
"""

from __future__ import annotations

from collections import defaultdict

from ..ledger.model import Entry, Posting
from . import formulas
from .pipeline import ClosingState
from .subledgers import Asset

DEFAULTS = {
    "grant_revenue_account": "4220",  # 長期前受金取崩収入
    "lease_current_account": "2160",  # リース債務 (流動)
    "lease_noncurrent_account": "2270",  # リース債務 (固定)
}


def _setting(state: ClosingState, key: str) -> str:
    return state.book.settings.get("closing", {}).get(key, DEFAULTS[key])


def _flow(state: ClosingState, code: str) -> str | None:
    return code if code in state.book.chart.flows else None


def _in_service(asset: Asset, year: int) -> bool:
    return formulas.fiscal_year_of(asset.in_use) <= year and (
        asset.disposed is None or formulas.fiscal_year_of(asset.disposed) > year)


def asset_depreciation(asset: Asset, year: int) -> int:
    """This year's depreciation of one asset (0 outside its service years).

    An asset disposed of during the year is not depreciated in that year: its disposal entry
    removes cost and accumulated depreciation as they stood at the previous year end.
    """
    if not _in_service(asset, year):
        return 0
    if asset.method == "lease":
        return formulas.lease_depreciation(asset.cost, asset.lease_months, asset.in_use, year)
    return formulas.annual_depreciation(asset.cost, asset.useful_life, asset.method, asset.in_use, year,
                                        keep_memo=asset.contra_account is not None)


def depreciation(state: ClosingState) -> list[Entry]:
    """減価償却 and リース資産償却: Dr 減価償却費 / Cr 減価償却累計額 (or the asset, if written off directly)."""
    fy = state.book.fiscal_year(state.year)
    flow = _flow(state, "fa.depreciation")
    out = []
    for a in state.subledgers.assets:
        amount = asset_depreciation(a, state.year)
        if amount:
            credit = a.contra_account or a.cost_account
            out.append(Entry("", fy.end, "closing", f"{fy.label} 減価償却 {a.asset} {a.name}", (
                Posting(a.segment, a.expense_account, amount), Posting(a.segment, credit, -amount, flow))))
    return out


def grant_drawdown(state: ClosingState) -> list[Entry]:
    """長期前受金取崩: in step with the depreciation of the assets the 長期前受金 funds."""
    fy = state.book.fiscal_year(state.year)
    revenue = _setting(state, "grant_revenue_account")
    out = []
    for a in state.subledgers.assets:
        if not a.grant_account or not a.funded_amount:
            continue
        dep = asset_depreciation(a, state.year)
        if not dep:
            continue
        amount = formulas.grant_drawdown(dep, a.funded_amount, a.cost)
        if amount:
            out.append(Entry("", fy.end, "closing", f"{fy.label} 長期前受金取崩 {a.asset} {a.name}", (
                Posting(a.segment, a.grant_account, amount), Posting(a.segment, revenue, -amount))))
    return out


def lease_reclassification(state: ClosingState) -> list[Entry]:
    """リース債務 current portion: the principal due within one year goes to 流動負債.

    Re-derived from the schedules at every close (idempotent), not reversed on 1 April.
    """
    if not state.subledgers.leases:
        return []
    fy = state.book.fiscal_year(state.year)
    current_acc, noncurrent_acc = _setting(state, "lease_current_account"), _setting(state, "lease_noncurrent_account")
    wanted: dict[str, int] = defaultdict(int)
    for lease in state.subledgers.leases:
        schedule = formulas.lease_debt_schedule(lease.amount, lease.term_months, lease.first_due, lease.monthly_rate,
                                                payment=lease.payment)
        wanted[lease.segment] += formulas.current_portion(schedule, fy.end)
    out = []
    for seg in state.book.chart.segments:
        current = -sum(c.opening + c.movement for c in state.cells if c.segment == seg and c.account == current_acc)
        move = wanted.get(seg, 0) - current  # credit-positive amount to move into 流動
        if move:
            out.append(Entry("", fy.end, "closing", f"{fy.label} リース債務 1年以内返済予定額の振替", (
                Posting(seg, noncurrent_acc, move), Posting(seg, current_acc, -move))))
    return out

"""Registers agree with the ledger (補助簿と総勘定元帳の照合), after the closing.

* 固定資産台帳: per segment, Σ cost of the assets in service at the year end = the cost
  account's balance, and Σ their accumulated depreciation = the contra account's balance;
  non-depreciable assets (method ``none``: 電話加入権, 建設仮勘定) at cost. Assets written off
  directly (no contra account) are left out: their account may hold more than the register
  (a 保証金 holds the refundable part too).
* 資産除去債務台帳: per segment, Σ year-end balances of the open obligations = the account.
* リース債務: per segment, Σ principal not yet due at the year end (the schedules) = 流動 +
  固定 リース債務.

Each tie is a ``CheckResult`` of ``kessan check BOOK_DIR`` (the registers live in the book
directory, not in the database).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..ledger.model import Book, Cell, CheckResult, fiscal_year_of
from ..ledger.subledgers import Asset, Subledgers
from .schedules import accumulated_at_end, lease_schedule, obligation_opening


def _held(asset: Asset, year: int) -> bool:
    return fiscal_year_of(asset.in_use) <= year and (asset.disposed is None or fiscal_year_of(asset.disposed) > year)


def _ledger(cells: Iterable[Cell]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for c in cells:
        out[(c.segment, c.account)] += c.opening + c.movement
    return out


def register_ties(book: Book, year: int, cells: Sequence[Cell], subs: Subledgers) -> list[CheckResult]:
    ledger = _ledger(cells)
    out: list[CheckResult] = []
    register: dict[tuple[str, str, str], int] = defaultdict(int)  # (what, segment, account) → amount
    for a in subs.assets:
        if not _held(a, year) or (a.contra_account is None and a.method != "none"):
            continue
        register[("取得価額", a.segment, a.cost_account)] += a.cost
        if a.contra_account is not None:
            register[("減価償却累計額", a.segment, a.contra_account)] -= accumulated_at_end(a, year)
    out.append(_tie("固定資産台帳 取得価額・減価償却累計額 = 元帳",
                    [(f"{seg} {acc}", amount, ledger[(seg, acc)]) for (_, seg, acc), amount in sorted(register.items())]))
    aro: dict[tuple[str, str], int] = defaultdict(int)
    for o in subs.obligations:
        if fiscal_year_of(o.recognised) > year or (o.settled and fiscal_year_of(o.settled) <= year):
            continue
        aro[(o.segment, o.account)] -= obligation_opening(o, year + 1)  # the year-end balance
    if aro:
        out.append(_tie("資産除去債務台帳 = 元帳",
                        [(f"{seg} {acc}", amount, ledger[(seg, acc)]) for (seg, acc), amount in sorted(aro.items())]))
    if subs.leases:
        out.append(_lease_tie(book, year, ledger, subs))
    return out


LEASE_TIE = "リース債務 返済予定 = 元帳 (流動 + 固定)"


def _lease_tie(book: Book, year: int, ledger: dict[tuple[str, str], int], subs: Subledgers) -> CheckResult:
    """The lease schedules' principal not yet due = 流動 + 固定 リース債務 (the accounts with
    roles lease_current and lease_noncurrent; SKIPPED, naming the role, without them)."""
    accounts = [book.chart.account_with(r) for r in ("lease_current", "lease_noncurrent")]
    if None in accounts:
        missing = [r for r, a in zip(("lease_current", "lease_noncurrent"), accounts, strict=True) if a is None]
        return CheckResult.skip(LEASE_TIE, "no account of accounts.toml declares the role "
                                + " or ".join(repr(r) for r in missing))
    fy = book.fiscal_year(year)
    debt: dict[str, int] = defaultdict(int)
    for lease in subs.leases:
        debt[lease.segment] -= sum(p.principal for p in lease_schedule(lease) if p.due > fy.end)
    return _tie(LEASE_TIE, [(seg, debt.get(seg, 0), sum(ledger[(seg, a)] for a in accounts if a))
                            for seg in book.chart.segments])


def _tie(name: str, rows: list[tuple[str, int, int]]) -> CheckResult:
    """One check over (where, register, ledger) rows; the detail names every row that differs."""
    rows = [r for r in rows if r[1] or r[2]]
    bad = [f"{where}: 台帳 {reg:,} vs 元帳 {led:,}" for where, reg, led in rows if reg != led]
    if bad:
        return CheckResult(name, False, "; ".join(bad))
    return CheckResult(name, True, f"{len(rows)} balances agree (台帳 Σ {sum(abs(r[1]) for r in rows):,})")

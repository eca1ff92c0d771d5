"""Closing options: the rules of the 決算整理 that differ between organisations, as book data
(``[book.closing]`` in book.toml; docs/closing.md lists every setting and its default).

The defaults are the neutral reading of the standards; a book states where its 会計規程
says otherwise. An unknown key is an error (a typo never falls back to a default silently),
and so is a key of an earlier version that named accounts: accounts are found by role.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .subledgers import Asset, Subledgers

DISPOSAL_YEAR = ("none", "monthly")
LEASE_ROUNDING = ("cumulative", "yearly")

# [book.closing] keys of earlier versions, each now a role of accounts.toml
RETIRED_KEYS = {
    "retained_earnings_account": "retained_earnings",
    "grant_revenue_account": "grant_drawdown_revenue",
    "lease_current_account": "lease_current",
    "lease_noncurrent_account": "lease_noncurrent",
    "resident_tax_account": "resident_tax_expense",
    "resident_tax_payable_account": "resident_tax_payable",
}


@dataclass(frozen=True)
class ClosingOptions:
    """``disposal_year_depreciation``: ``none`` (an owned asset is not depreciated in the year
    it is disposed of) or ``monthly`` (depreciated by months up to the disposal month).
    ``lease_depreciation_rounding``: ``cumulative`` (each year books the truncated cumulative
    amount less the earlier years') or ``yearly`` (each year's amount truncated, the last
    year of the term takes the rest). ``memorandum_value``: 備忘価額 by asset class, the cost
    account of the register: 1 or 0 yen; an asset class not listed keeps ¥1 when it has a
    contra account (減価償却累計額) and 0 when it is written off directly."""

    disposal_year_depreciation: str = "none"
    lease_depreciation_rounding: str = "cumulative"
    memorandum_value: tuple[tuple[str, int], ...] = ()

    def memo_for(self, cost_account: str) -> int | None:
        """The 備忘価額 declared for an asset class, or None (the rule by contra account)."""
        return dict(self.memorandum_value).get(cost_account)


KEYS = ("disposal_year_depreciation", "lease_depreciation_rounding", "memorandum_value")


def option_problems(closing: Mapping[str, Any], accounts: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for every ``[book.closing]`` setting that is not a known option with a
    valid value; ``accounts`` is the chart's accounts (memorandum_value names cost accounts)."""
    out: list[tuple[str, str]] = []
    choices = {"disposal_year_depreciation": DISPOSAL_YEAR, "lease_depreciation_rounding": LEASE_ROUNDING}
    for key, value in closing.items():
        if key in RETIRED_KEYS:
            out.append((key, f"[book.closing] {key} is no longer read: declare roles = [\"{RETIRED_KEYS[key]}\"] "
                             "on that account in accounts.toml"))
        elif key in choices:
            if value not in choices[key]:
                out.append((key, f"[book.closing] {key}: {value!r} is not one of {', '.join(choices[key])}"))
        elif key == "memorandum_value":
            out += _memo_problems(value, accounts)
        else:
            out.append((key, f"[book.closing] unknown setting {key!r}; known settings: {', '.join(KEYS)}"))
    return out


def _memo_problems(value: Any, accounts: Mapping[str, Any]) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return [("memorandum_value", "[book.closing] memorandum_value is a table: cost account = 1 or 0 (yen)")]
    out = []
    for code, memo in value.items():
        if code not in accounts:
            out.append(("memorandum_value", f"[book.closing.memorandum_value] unknown account {code!r}"))
        if memo not in (0, 1) or isinstance(memo, bool):
            out.append(("memorandum_value", f"[book.closing.memorandum_value] {code}: {memo!r} is not 1 or 0 (yen)"))
    return out


def closing_options(settings: Mapping[str, Any]) -> ClosingOptions:
    """The closing options of a book's settings (``[book]`` beyond code, name, report_year),
    read after option_problems found none."""
    closing = settings.get("closing", {})
    return ClosingOptions(
        closing.get("disposal_year_depreciation", "none"),
        closing.get("lease_depreciation_rounding", "cumulative"),
        tuple(sorted(closing.get("memorandum_value", {}).items())),
    )


def with_options(subs: Subledgers, options: ClosingOptions) -> Subledgers:
    """The registers with the book's closing options set on each asset row."""
    if options == ClosingOptions():
        return subs
    return dataclasses.replace(subs, assets=tuple(_asset(a, options) for a in subs.assets))


def _asset(a: Asset, options: ClosingOptions) -> Asset:
    return dataclasses.replace(a, disposal_months=options.disposal_year_depreciation == "monthly",
                               memo_value=options.memo_for(a.cost_account),
                               lease_rounding=options.lease_depreciation_rounding)

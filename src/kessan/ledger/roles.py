"""The role vocabulary: what a book declares so that the closing steps and the checks find
its accounts, flows, statements and lines without knowing their codes (docs/book-format.md).

A role is data of the book (``roles = [...]`` on an [[account]] of accounts.toml or a
[[flow]] of flows.toml, ``role = "..."`` on a layout's [statement] or [[line]]); src/ names
only the roles, never a code. A role marked unique may be held by one account (flow,
statement, line) only; a second holder is a located error when the book is read.
"""

from __future__ import annotations

from typing import NamedTuple


class Role(NamedTuple):
    name: str
    unique: bool
    meaning: str


def _vocabulary(*roles: Role) -> dict[str, Role]:
    return {r.name: r for r in roles}


ACCOUNT_ROLES = _vocabulary(
    Role("retained_earnings", True, "積立金 (利益剰余金): the 損益振替 closes the year's result into it"),
    Role("grant_drawdown_revenue", True, "長期前受金取崩収入: the 長期前受金 drawn down is credited to it"),
    Role("grant_disposal_revenue", True,
         "where a disposed asset's remaining 長期前受金 is released (optional: else grant_drawdown_revenue)"),
    Role("lease_current", True, "リース債務 (流動): the principal due within one year"),
    Role("lease_noncurrent", True, "リース債務 (固定): the principal due later"),
    Role("resident_tax_expense", True, "法人住民税: the 均等割 expense"),
    Role("resident_tax_payable", True, "未払法人住民税等: the 均等割 payable"),
)

FLOW_ROLES = _vocabulary(
    Role("net_income", True, "the reserved flow of the 損益振替; the 損益計算書 leaves its postings out; "
                             "only closing entries may use it"),
    Role("depreciation", True, "減価償却: the credit to 減価償却累計額 (or the asset)"),
    Role("provision_increase", True, "引当金 当期増加額 (繰入)"),
    Role("provision_other", True, "引当金 その他の減少 (a provision released because it fell)"),
    Role("aro_accretion", True, "資産除去債務 時の経過による調整額"),
    Role("reserve_increase", True, "負債性積立金 繰入"),
    Role("reserve_decrease", True, "負債性積立金 取崩"),
)

STATEMENT_ROLES = _vocabulary(
    Role("balance_sheet", True, "貸借対照表: C-1 (資産合計 = 負債純資産合計) and C-9 read it"),
    Role("income_statement", True, "損益計算書: C-9 reads it"),
)

LINE_ROLES = _vocabulary(
    Role("total_assets", True, "資産合計 of the balance_sheet statement"),
    Role("total_liabilities_net_assets", True, "負債純資産合計 of the balance_sheet statement"),
    Role("net_income", True, "当期純利益 (当期総利益) of the income_statement statement"),
)


def unknown_role(role: str, vocabulary: dict[str, Role]) -> str:
    """The message for a role that is not in ``vocabulary`` (a typo is an error, never ignored)."""
    return f"unknown role {role!r}; known roles: {', '.join(vocabulary)}"

"""Printing amounts: thousands separators and △ for negatives (presentation only; the
figures contract and JSON keep signed numbers). Rounding is not done here: the report model
holds amounts already rounded under the table's named policy (ledger/rounding.py)."""

from __future__ import annotations

from decimal import Decimal


def yen(amount: int | None, triangle: bool = True) -> str:
    """1234567 → '1,234,567'; -1234 → '△1,234' (or '-1,234' with triangle=False)."""
    if amount is None:
        return ""
    text = f"{abs(amount):,}"
    if amount < 0:
        return ("△" if triangle else "-") + text
    return text


def amount(value: int | Decimal | str | None) -> str:
    """A cell value as printed: thousands separators, △ for negatives; Decimals (億円, %)
    keep their decimals; text as it is; None blank."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{abs(value):,}"
        return ("△" + text) if value < 0 else text
    if isinstance(value, int):
        return yen(value)
    return str(value)

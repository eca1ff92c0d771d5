"""Printing amounts: thousands separators and △ for negatives (presentation only; the
figures contract and JSON keep signed numbers). Rounding is not done here: the report model
holds amounts already rounded under the table's named policy (ledger/rounding.py)."""

from __future__ import annotations

from decimal import Decimal

from ..report.model import Cell


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


def printed(cell: Cell) -> str:
    """A cell as the package prints it: its amount, styled as the layout says (a zero as "-" or
    blank, brackets, the unit after it, without its sign). Every renderer of the package prints cells through this."""
    style = cell.style
    if style is None or cell.value is None or isinstance(cell.value, str):
        return amount(cell.value)
    if cell.value == 0 and style.zero is not None:
        return style.zero
    value = cell.value
    if style.magnitude and value < 0:
        value = -value
    text = amount(value) + style.suffix
    return f"({text})" if style.bracket else text

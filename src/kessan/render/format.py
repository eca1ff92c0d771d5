"""Presentation of yen amounts. Rounding happens here, under a named policy, never earlier.

△ marks a negative amount, as in Japanese published statements; it is presentation only,
the figures contract and JSON keep signed integers.
"""

from __future__ import annotations

from enum import Enum


class Rounding(Enum):
    HALF_UP = "half_up"  # 四捨五入
    TRUNCATE = "truncate"  # 切捨て (toward zero)


class Unit(Enum):
    YEN = 1
    THOUSAND_YEN = 1_000
    MILLION_YEN = 1_000_000
    HUNDRED_MILLION_YEN = 100_000_000


def round_yen(amount: int, unit: Unit, policy: Rounding) -> int:
    """Round an integer yen amount to ``unit`` with integer arithmetic (no floats)."""
    if unit is Unit.YEN:
        return amount
    q, r = divmod(abs(amount), unit.value)
    if policy is Rounding.HALF_UP and 2 * r >= unit.value:
        q += 1
    return -q if amount < 0 else q


def yen(amount: int | None, triangle: bool = True) -> str:
    """1234567 → '1,234,567'; -1234 → '△1,234' (or '-1,234' with triangle=False)."""
    if amount is None:
        return ""
    text = f"{abs(amount):,}"
    if amount < 0:
        return ("△" if triangle else "-") + text
    return text

"""Named rounding policies for integer yen. Rounding is presentation: it happens when a
report is built (百万円, 億円) or where a rule of the closing names it, never silently.

* ``HALF_UP`` 四捨五入: half away from zero on the magnitude (2.5 → 3, −2.5 → −3);
* ``TRUNCATE`` 切捨て: toward zero.

Integer arithmetic only: no float ever touches an amount.
"""

from __future__ import annotations

from enum import Enum


class Rounding(Enum):
    HALF_UP = "half_up"  # 四捨五入
    TRUNCATE = "truncate"  # 切捨て (toward zero)


class Unit(Enum):
    _value_: int  # yen per unit

    YEN = 1
    THOUSAND_YEN = 1_000
    MILLION_YEN = 1_000_000
    HUNDRED_MILLION_YEN = 100_000_000


UNITS = {"円": Unit.YEN, "千円": Unit.THOUSAND_YEN, "百万円": Unit.MILLION_YEN, "億円": Unit.HUNDRED_MILLION_YEN}


def round_yen(amount: int, unit: Unit, policy: Rounding) -> int:
    """Round an integer yen amount to ``unit`` with integer arithmetic (no floats)."""
    per = unit.value  # read before narrowing: mypy types .value of a narrowed member as Any
    if unit is Unit.YEN:
        return amount
    q, r = divmod(abs(amount), per)
    if policy is Rounding.HALF_UP and 2 * r >= per:
        q += 1
    return -q if amount < 0 else q

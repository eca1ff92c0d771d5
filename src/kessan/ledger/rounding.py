"""Named rounding policies for integer yen: the one place where an amount is rounded.

Rounding happens when a report is built (百万円, 億円) or where a rule of the closing names
it, never silently. Two rules, each named where it is used:

* ``HALF_UP`` 四捨五入: half away from zero on the magnitude (2.5 → 3, −2.5 → −3);
* ``TRUNCATE`` 切捨て: toward zero (2.9 → 2, −2.9 → −2). Closing amounts are never
  negative where they are truncated, so there 切捨て is also the floor.

``round_yen`` rounds a yen amount to a display unit (千円, 百万円, 億円). ``to_yen`` and its
two names ``half_up`` and ``truncate`` round an exact amount (a ``Fraction`` such as
cost × rate × months / 12, or a ``Decimal``) to whole yen; ``truncate_to`` truncates to a
multiple of a step (100円未満切捨て). All work in integer arithmetic on the exact value: no
float ever touches an amount (a float is refused), and no intermediate value is rounded,
so a half is always recognised as a half.
"""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from fractions import Fraction


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

Exact = int | Fraction | Decimal  # an exact amount of yen (never float)


def _divide(numerator: int, denominator: int, policy: Rounding) -> int:
    """numerator / denominator (denominator > 0) rounded by ``policy`` on the magnitude."""
    q, r = divmod(abs(numerator), denominator)
    if policy is Rounding.HALF_UP and 2 * r >= denominator:
        q += 1
    return -q if numerator < 0 else q


def _ratio(value: Exact) -> tuple[int, int]:
    if isinstance(value, bool) or not isinstance(value, int | Fraction | Decimal):
        raise TypeError(f"an amount to round must be int, Fraction or Decimal, got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"cannot round {value}")
    return value.as_integer_ratio()


def to_yen(value: Exact, policy: Rounding) -> int:
    """An exact amount rounded to whole yen by ``policy``."""
    numerator, denominator = _ratio(value)
    return _divide(numerator, denominator, policy)


def half_up(value: Exact) -> int:
    """四捨五入 to whole yen: half away from zero (Python's ``round`` would go half to even)."""
    return to_yen(value, Rounding.HALF_UP)


def truncate(value: Exact) -> int:
    """切捨て to whole yen: toward zero."""
    return to_yen(value, Rounding.TRUNCATE)


def truncate_to(value: Exact, step: int) -> int:
    """切捨て to a multiple of ``step`` yen, e.g. ``step=100``: 100円未満切捨て."""
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    numerator, denominator = _ratio(value)
    return _divide(numerator, denominator * step, Rounding.TRUNCATE) * step


def round_yen(amount: int, unit: Unit, policy: Rounding) -> int:
    """Round an integer yen amount to ``unit`` (the number of units), integer arithmetic only."""
    per = unit.value  # read before narrowing: mypy types .value of a narrowed member as Any
    if unit is Unit.YEN:
        return amount
    return _divide(amount, per, policy)

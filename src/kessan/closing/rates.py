"""Statutory depreciation rates (償却率表) for useful lives 2–50 years, loaded from CSV.

The table is data, not code, so an amendment to the 省令 is a reviewed data change.

Where the values come from
--------------------------
Legal source: 減価償却資産の耐用年数等に関する省令 (昭和40年大蔵省令第15号)
  - 別表第八  平成十九年四月一日以後に取得をされた減価償却資産の定額法の償却率表
    -> column ``straight_line_rate``;
  - 別表第十  平成二十四年四月一日以後に取得をされた減価償却資産の定率法の償却率、
    改定償却率及び保証率の表 (200%定率法) -> ``declining_200_rate``, ``revised_rate``,
    ``guarantee_rate``.
    2年 has no 改定償却率 or 保証率 (the statute shows a rule "―"): empty cells here.

Cross-checked copies (all 49 rows, every column, compared by script; no disagreement):
  1. 別表第八 statute text, mirror at iuris.jp (耐用年数省令 別表第八, /jpn/at/115):
     ``straight_line_rate`` for 2–50 years.
  2. hybitz/tax_jp, data/減価償却/減価償却率-20120401-20991231.tsv (commit 931606f5):
     all four columns for 2–50 years.
  3. Two further, independent full transcriptions of 別表第十 (2–50 years) in public
     source code (a PHP ledger and a TypeScript calculator, both citing 国税庁/別表第十),
     plus a third one for 2–20 years.
  4. 税金の手引き 事業用 (令和7年度版, p.11): 3, 6, 8, 10, 15, 17, 25 and 30 years.
  5. domain.md §6.1 (10年: 0.200 / 0.250 / 0.06552).
The 別表第十 statute text itself was not in any stored copy; its values rest on 2–5.

The rates also satisfy the construction of the tables, and tests check it for every row:
定額法 = 1/n rounded up to 3 decimals; 200%定率法 = 2/n rounded half-up to 3 decimals;
改定償却率 = 1/(years left at the switch) rounded up to 3 decimals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from types import MappingProxyType

USEFUL_LIVES = range(2, 51)


@dataclass(frozen=True, slots=True)
class Rates:
    """The rates for one useful life (耐用年数).

    ``revised`` (改定償却率) and ``guarantee`` (保証率) are None for 2 years: the 200%
    declining rate is 1.000 there, so the asset is written off before any switch.
    """

    straight_line: Decimal
    declining: Decimal
    revised: Decimal | None
    guarantee: Decimal | None


def _optional(cell: str) -> Decimal | None:
    return Decimal(cell) if cell.strip() else None


def _parse(text: str) -> dict[int, Rates]:
    return {
        int(row["useful_life"]): Rates(
            straight_line=Decimal(row["straight_line_rate"]),
            declining=Decimal(row["declining_200_rate"]),
            revised=_optional(row["revised_rate"]),
            guarantee=_optional(row["guarantee_rate"]),
        )
        for row in csv.DictReader(io.StringIO(text))
    }


@cache
def rate_table() -> Mapping[int, Rates]:
    """The whole table, read once from the package data."""
    source = resources.files(__package__) / "data" / "depreciation_rates.csv"
    return MappingProxyType(_parse(source.read_text("utf-8")))


def rates(useful_life: int) -> Rates:
    """The statutory rates for ``useful_life`` years (2–50)."""
    table = rate_table()
    if useful_life not in table:
        raise ValueError(f"no statutory rates for a useful life of {useful_life!r} years (2–50)")
    return table[useful_life]

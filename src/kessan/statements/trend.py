"""事業別決算額の推移: a per-segment measure over fiscal years, in 億円.

Earlier years are published figures imported as they were printed (decimal strings in
億円; they are rounded figures and never enter yen arithmetic). The current year comes from
the ledger: the layout's ``measure`` (e.g. 営業費用 + 営業外費用) per segment in yen, rounded
half-up to the layout's decimals. The 計 row is, as published, the sum of the rounded
segment figures.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from ..ledger.errors import BookError, InputError
from .formula import parse_formula

OKU = Decimal(100_000_000)


@dataclass(frozen=True)
class TrendLayout:
    id: str
    title: str
    table: str
    unit: str
    decimals: int
    rounding: str
    measure: tuple[tuple[int, str], ...]
    series: str  # name of the imported history series
    rows: tuple[tuple[str, str], ...]  # (segment code, printed label)
    total_label: str
    order: int
    # presentation options (docs/layouts.md), neutral by default; the example sets its own
    column: str = "{year}年度"  # a year's column heading: {year} 2020, {era} R2 (H26, R元)
    small_decimals: int = 0  # up to this many more decimals for a non-zero amount that would print 0
    axis_column: str = "{year}"  # the chart's tick label of a year: {year}, {era}
    axis_x: str = ""  # the chart's x-axis label
    axis_y: str = "({unit})"  # the chart's y-axis label

    def heading(self, year: int) -> str:
        return self.column.format(year=year, era=era_label(year))

    def tick(self, year: int) -> str:
        return self.axis_column.format(year=year, era=era_label(year))


def parse_trend(text: str) -> TrendLayout | None:
    doc = tomllib.loads(text)
    if doc.get("statement", {}).get("kind") != "trend":
        return None
    return trend_layout("trend", doc)


def trend_layout(name: str, doc: dict[str, Any]) -> TrendLayout:
    st = doc.get("statement", {})
    missing = [k for k in ("id", "table", "measure") if k not in st]
    if missing:
        raise BookError([InputError(f"layouts/{name}", None, k, "a trend layout needs it") for k in missing])
    for key in ("column", "axis_column", "axis_x", "axis_y"):
        if key in st and (problem := _pattern_problem(st[key], ("year", "era", "unit") if key == "axis_y" else ("year", "era"))):
            raise BookError([InputError(f"layouts/{name}", None, key, problem)])
    try:
        measure = parse_formula(st["measure"])
    except ValueError as exc:
        raise BookError([InputError(f"layouts/{name}", None, "measure", str(exc))]) from exc
    return TrendLayout(
        id=st["id"], title=st.get("title", st["id"]), table=st["table"], unit=st.get("unit", "億円"),
        decimals=int(st.get("decimals", 1)), rounding=st.get("rounding", "half_up"),
        measure=measure, series=st.get("series", st["id"]),
        rows=tuple((r["segment"], r["label"]) for r in doc.get("row", [])),
        total_label=doc.get("total", {}).get("label", "計"), order=int(st.get("order", 90)),
        column=st.get("column", "{year}年度"), small_decimals=int(st.get("small_decimals", 0)),
        axis_column=st.get("axis_column", "{year}"), axis_x=st.get("axis_x", ""), axis_y=st.get("axis_y", "({unit})"),
    )


def _pattern_problem(pattern: str, names: tuple[str, ...]) -> str | None:
    """Why a heading pattern cannot be filled ({name} placeholders of ``names`` only), or None."""
    try:
        pattern.format(**dict.fromkeys(names, ""))
    except (KeyError, IndexError, ValueError) as exc:
        return f"{pattern!r}: not a heading pattern ({exc}); placeholders: " + ", ".join(f"{{{n}}}" for n in names)
    return None


def era_label(year: int) -> str:
    """Fiscal year → the column heading used in 推移: 2014 → H26, 2019 → R元, 2020 → R2."""
    if year >= 2019:
        n = year - 2018
        return "R元" if n == 1 else f"R{n}"
    n = year - 1988
    return "H元" if n == 1 else f"H{n}"


def round_oku(yen: int, decimals: int, policy: str, small_decimals: int = 0) -> Decimal:
    """Yen → 億円 with ``decimals`` places (half-up on the magnitude, or truncation).

    With ``small_decimals`` (a layout option), a non-zero amount that would print as zero
    gets up to that many more decimal places (the example's デジタル基盤 R2 figure 1,245,558
    円 is published 0.01), so no activity is hidden as 0.0.
    """
    mode = ROUND_HALF_UP if policy == "half_up" else ROUND_DOWN
    value = Decimal(yen) / OKU
    places = decimals
    while True:
        q = Decimal(1).scaleb(-places)
        r = abs(value).quantize(q, rounding=mode)
        if r != 0 or yen == 0 or places >= decimals + small_decimals:
            return r if yen >= 0 else -r
        places += 1

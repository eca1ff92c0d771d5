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
from decimal import ROUND_HALF_UP, ROUND_DOWN, Decimal

from .engine import StatementSet
from .layout import parse_formula

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


def parse_trend(text: str) -> TrendLayout | None:
    doc = tomllib.loads(text)
    st = doc.get("statement", {})
    if st.get("kind") != "trend":
        return None
    return TrendLayout(
        id=st["id"], title=st.get("title", st["id"]), table=st["table"], unit=st.get("unit", "億円"),
        decimals=int(st.get("decimals", 1)), rounding=st.get("rounding", "half_up"),
        measure=parse_formula(st["measure"]), series=st.get("series", st["id"]),
        rows=tuple((r["segment"], r["label"]) for r in doc.get("row", [])),
        total_label=doc.get("total", {}).get("label", "計"), order=int(st.get("order", 90)),
    )


def era_label(year: int) -> str:
    """Fiscal year → the column heading used in 推移: 2014 → H26, 2019 → R元, 2020 → R2."""
    if year >= 2019:
        n = year - 2018
        return "R元" if n == 1 else f"R{n}"
    n = year - 1988
    return "H元" if n == 1 else f"H{n}"


def round_oku(yen: int, decimals: int, policy: str) -> Decimal:
    """Yen → 億円 with ``decimals`` places (half-up on the magnitude, or truncation).

    A non-zero amount that would print as zero gets one more decimal place (the published
    デジタル基盤 R2 figure 1,245,558 円 is printed 0.01), so no activity is hidden as 0.0.
    """
    mode = ROUND_HALF_UP if policy == "half_up" else ROUND_DOWN
    value = Decimal(yen) / OKU
    places = decimals
    while True:
        q = Decimal(1).scaleb(-places)
        r = abs(value).quantize(q, rounding=mode)
        if r != 0 or yen == 0 or places >= decimals + 2:
            return r if yen >= 0 else -r
        places += 1


@dataclass(frozen=True)
class TrendTable:
    layout: TrendLayout
    years: tuple[int, ...]
    cells: dict[tuple[str, int], Decimal]  # (segment or '', year) → value; '' is the 計 row

    def columns(self) -> list[str]:
        return [f"{era_label(y)}決算" for y in self.years]


def build_trend(ss: StatementSet, layout: TrendLayout, history: dict[tuple[int, str], str]) -> TrendTable:
    """Combine imported history (year, segment) → '30.8' with the current year from the ledger."""
    years = sorted({y for y, _ in history if y < ss.year} | {ss.year})
    cells: dict[tuple[str, int], Decimal] = {}
    for seg, _label in layout.rows:
        for y in years:
            if y == ss.year:
                yen = sum(sign * (ss.value(*term.split(".", 1), view=seg) or 0) for sign, term in layout.measure)
                cells[(seg, y)] = round_oku(yen, layout.decimals, layout.rounding)
            elif (y, seg) in history:
                cells[(seg, y)] = Decimal(history[(y, seg)])
    for y in years:
        parts = [cells[(seg, y)] for seg, _ in layout.rows if (seg, y) in cells]
        total = sum(parts, Decimal(0))
        # printed with the table's decimals: Σ of rounded parts, e.g. 864.91 → 864.9
        cells[("", y)] = total.quantize(Decimal(1).scaleb(-layout.decimals), rounding=ROUND_HALF_UP)
    return TrendTable(layout, tuple(years), cells)

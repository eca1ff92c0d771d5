"""Charts (matplotlib, headless, without pyplot's global state). Japanese text uses
IPAexGothic from matplotlib-fontja, a pinned PyPI package, so no system font is needed; a
missing glyph is an error, not tofu. The chart draws a 推移 table of the report model: its
rows but the last (the 計 row) stacked by segment, its columns the years."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib_fontja  # noqa: F401  (registers IPAexGothic and makes it the default family)
from matplotlib.figure import Figure

from ..report.model import Axes, Cell, Table

# one colour per segment, stable across years (tab10 without grey)
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]


def trend_chart(table: Table, out_dir: Path, stem: str = "trend") -> list[Path]:
    """Stacked bars of the 推移 table by segment; writes STEM.png and STEM.svg, returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fig = trend_figure(table)
    return [save_chart(fig, out_dir / f"{stem}.png"), save_chart(fig, out_dir / f"{stem}.svg")]


def _decimals(cells: list[Cell]) -> list[Decimal]:
    return [c.value if isinstance(c.value, Decimal) else Decimal(0) for c in cells]


def trend_figure(table: Table) -> Figure:
    """The chart of a 推移 table: stacked bars by segment, the total above each bar."""
    axes = table.axes or Axes(tuple(c.label for c in table.columns), "", f"({table.presentation.unit})")
    columns = list(axes.ticks)
    *segments, total = table.rows
    fig = Figure(figsize=(9, 5.5), dpi=120)
    ax = fig.subplots()
    bottoms = [Decimal(0)] * len(columns)
    for i, row in enumerate(segments):
        values = _decimals(row.cells)
        ax.bar(columns, [float(v) for v in values], bottom=[float(b) for b in bottoms], label=row.label,
               color=COLOURS[i % len(COLOURS)], width=0.6)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    totals = _decimals(total.cells)
    for x, value in zip(columns, totals, strict=True):
        ax.annotate(f"{value:,}", (x, float(value)), ha="center", va="bottom", fontsize=9, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_title(table.title)
    ax.set_ylabel(axes.y)
    ax.set_xlabel(axes.x)
    ax.legend(loc="upper left", fontsize=8, ncols=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(0, float(max(totals, default=Decimal(1)) or 1) * 1.12)
    fig.tight_layout()
    return fig


def save_chart(fig: Figure, path: Path) -> Path:
    """Write the figure as PNG or SVG (by the suffix); a missing glyph (tofu) is an error."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Glyph.*missing.*")
        fig.savefig(path)
    return path

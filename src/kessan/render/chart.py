"""Charts (matplotlib, headless, without pyplot's global state). Japanese text uses
IPAexGothic from matplotlib-fontja, a pinned PyPI package, so no system font is needed; a
missing glyph is an error, not tofu. The chart draws a 推移 table of the report model: its
rows but the last (the 計 row) stacked by segment, its columns the years."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib_fontja  # noqa: F401  (registers IPAexGothic and makes it the default family)
from matplotlib import font_manager
from matplotlib.figure import Figure

from ..report.model import Axes, Cell, Table

# one colour per segment, stable across years (tab10 without grey)
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]


def trend_chart(table: Table, out_dir: Path, stem: str = "trend") -> list[Path]:
    """Stacked bars of the 推移 table by segment; writes STEM.png and STEM.svg, returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fig = trend_figure(table)
    return [save_chart(fig, out_dir / f"{stem}.png"), save_chart(fig, out_dir / f"{stem}.svg")]


def register_font(path: Path) -> str:
    """Make a font file usable by the charts (the PDF's own font, so the chart's text is set,
    named and embedded in it); its family name."""
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=str(path)).get_name())


@contextmanager
def _family(family: str | None) -> Iterator[None]:
    """Text drawn now names ``family`` (IPAexGothic for a glyph it lacks); the default otherwise."""
    with matplotlib.rc_context({"font.family": [family, "IPAexGothic"]} if family else {}):
        yield


def _decimals(cells: list[Cell]) -> list[Decimal]:
    return [c.value if isinstance(c.value, Decimal) else Decimal(0) for c in cells]


def trend_figure(table: Table, family: str | None = None) -> Figure:
    """The chart of a 推移 table: stacked bars by segment, the total above each bar; its text in
    ``family`` (register_font) when given."""
    with _family(family):
        return _trend_figure(table)


def _trend_figure(table: Table) -> Figure:
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
    # the unit reads horizontally above the axis, as published, not turned sideways
    ax.set_ylabel(axes.y, rotation=0, loc="top", labelpad=0)
    ax.yaxis.set_label_coords(0, 1.02)
    ax.set_xlabel(axes.x)
    # the legend lists the segments top-down as the bars stack them (the last drawn on top)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", fontsize=8, ncols=1, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(0, float(max(totals, default=Decimal(1)) or 1) * 1.12)
    fig.tight_layout()
    return fig


def save_chart(fig: Figure, path: Path, family: str | None = None) -> Path:
    """Write the figure as PNG or SVG (by the suffix); a missing glyph (tofu) is an error. The
    SVG keeps its text as text (searchable, selectable), naming the font rather than drawing
    paths: ``family`` (as trend_figure's; the tick labels are made when drawn)."""
    with warnings.catch_warnings(), _family(family), matplotlib.rc_context({"svg.fonttype": "none"}):
        warnings.filterwarnings("error", message=".*Glyph.*missing.*")
        fig.savefig(path)
    return path

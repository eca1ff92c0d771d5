"""Charts (matplotlib, headless). Japanese text uses IPAexGothic from matplotlib-fontja, a
pinned PyPI package, so no system font is needed; a missing glyph is an error, not tofu.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib_fontja  # noqa: E402,F401  (registers IPAexGothic and makes it the default family)
from matplotlib import pyplot as plt  # noqa: E402

from ..report.model import Table  # noqa: E402

# one colour per segment, stable across years (tab10 without grey)
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]


def trend_chart(table: Table, out_dir: Path, stem: str = "trend") -> list[Path]:
    """Stacked bars of a 推移 table of the report model (its rows but the last, the 計 row,
    by segment; its columns the years); writes STEM.png and STEM.svg, returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = [c.label.removesuffix("決算") for c in table.columns]
    *segments, total = table.rows
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=120)
    bottoms = [Decimal(0)] * len(columns)
    for i, row in enumerate(segments):
        values = [c.value if isinstance(c.value, Decimal) else Decimal(0) for c in row.cells]
        ax.bar(columns, [float(v) for v in values], bottom=[float(b) for b in bottoms], label=row.label,
               color=COLOURS[i % len(COLOURS)], width=0.6)
        bottoms = [b + v for b, v in zip(bottoms, values)]
    totals = [c.value if isinstance(c.value, Decimal) else Decimal(0) for c in total.cells]
    for x, value in zip(columns, totals):
        ax.annotate(f"{value:,}", (x, float(value)), ha="center", va="bottom", fontsize=9, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_title(table.title)
    ax.set_ylabel(f"({table.presentation.unit})")
    ax.set_xlabel("決算年度")
    ax.legend(loc="upper left", fontsize=8, ncols=2, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylim(0, float(max(totals, default=Decimal(1)) or 1) * 1.12)
    fig.tight_layout()
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.svg"]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Glyph.*missing.*")  # tofu is a failure
        for p in paths:
            fig.savefig(p)
    plt.close(fig)
    return paths

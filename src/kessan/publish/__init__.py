"""`kessan publish`: the settlement package as an Excel workbook, a PDF and a static HTML site.

The report model's tables, arranged by the book's publish.toml into a package (model.Package,
build.build_package), and three renderers (xlsx, pdf, html), so every output shows the same
figures in the same published order.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..render.chart import trend_chart
from .build import build_package
from .html import write_site
from .model import Package
from .spec import PublishSpec, read_spec
from .xlsx import write_workbook

FORMATS = ("xlsx", "pdf", "html")

__all__ = ["FORMATS", "Package", "PublishSpec", "build_package", "publish", "read_spec"]


def publish(package: Package, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into out_dir; returns the paths written (the site as its index)."""
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kessan-publish-") as tmp:
        _draw_charts(package, Path(tmp))
        if "xlsx" in formats:
            written.append(write_workbook(package, out_dir / f"{package.file}.xlsx"))
        if "pdf" in formats:
            from .pdf import write_pdf  # imported when asked for: the PDF engine loads native libraries

            written.append(write_pdf(package, out_dir / f"{package.file}.pdf"))
        if "html" in formats:
            written.append(write_site(package, out_dir / "html")[1])
    return written


def _draw_charts(package: Package, folder: Path) -> None:
    for part in package.parts:
        if part.chart is not None:
            png, svg = trend_chart(part.chart, folder, part.id)
            part.chart_files = {"png": png, "svg": svg}

"""`kessan publish`: the settlement package as an Excel workbook, a PDF and a static HTML site.

One document model (model.Package, built by build.build_package from the statements and the
book's publish.toml) and three renderers (xlsx, pdf, html), so every output shows the same
figures in the same published order.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..statements.engine import StatementSet
from .build import build_package
from .model import Package
from .spec import PublishSpec, read_spec

FORMATS = ("xlsx", "pdf", "html")

__all__ = ["FORMATS", "Package", "PublishSpec", "build_package", "publish", "read_spec"]


def publish(ss: StatementSet, spec: PublishSpec, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into out_dir; returns the paths written (the site as its index)."""
    package = build_package(ss, spec)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="kessan-publish-") as tmp:
        _draw_charts(package, Path(tmp))
        if "xlsx" in formats:
            from .xlsx import write_workbook
            written.append(write_workbook(package, out_dir / f"{package.file}.xlsx"))
        if "pdf" in formats:
            from .pdf import write_pdf
            written.append(write_pdf(package, out_dir / f"{package.file}.pdf"))
        if "html" in formats:
            from .html import write_site
            written.append(write_site(package, out_dir / "html")[1])
    return written


def _draw_charts(package: Package, folder: Path) -> None:
    charts = [p for p in package.parts if p.chart is not None]
    if not charts:
        return
    from ..render.chart import trend_chart

    for part in charts:
        png, svg = trend_chart(part.chart, folder, part.id)
        part.chart_files = {"png": png, "svg": svg}

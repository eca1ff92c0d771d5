"""`kessan publish`: the settlement package as an Excel workbook, a PDF and a static HTML site.

One document model (model.Package, built by build.build_package from the statements and the
book's publish.toml) and three renderers (xlsx, pdf, html), so every output shows the same
figures in the same published order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from ..statements.engine import StatementSet
from .build import build_package
from .model import Package
from .spec import PublishSpec, read_spec

FORMATS = ("xlsx", "pdf", "html")

__all__ = ["FORMATS", "Package", "PublishSpec", "build_package", "publish", "read_spec"]


def publish(ss: StatementSet, spec: PublishSpec, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into out_dir; returns the paths written (the site as its index).

    The Typst compiler lays out the PDF on a second thread, outside the GIL, while this one
    writes the workbook and the site: it starts as soon as the charts' SVGs are written."""
    package = build_package(ss, spec)
    written: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="kessan-publish-") as tmp, ThreadPoolExecutor(max_workers=1) as pool:
        pngs = _draw_charts(package, Path(tmp), formats)
        pdf = None
        if "pdf" in formats:
            from .pdf import write_pdf
            pdf = pool.submit(write_pdf, package, out_dir / f"{package.file}.pdf")
        for write_png in pngs:
            write_png()
        if "xlsx" in formats:
            from .xlsx import write_workbook
            written["xlsx"] = write_workbook(package, out_dir / f"{package.file}.xlsx")
        if "html" in formats:
            from .html import write_site
            written["html"] = write_site(package, out_dir / "html")[1]
        if pdf is not None:
            written["pdf"] = pdf.result()
    return [written[f] for f in FORMATS if f in written]


def _draw_charts(package: Package, folder: Path, formats: tuple[str, ...]) -> list[Callable[[], Path]]:
    """Draw the chart of each part that has one and write its SVG (the PDF and the site embed
    it) now; return the writers of the PNGs (the workbook's), which can wait."""
    charts = [p for p in package.parts if p.chart is not None]
    if not charts:
        return []
    from ..render.chart import save_chart, trend_figure

    later = []
    for part in charts:
        figure = trend_figure(part.chart)
        if "pdf" in formats or "html" in formats:
            part.chart_files["svg"] = save_chart(figure, folder / f"{part.id}.svg")
        if "xlsx" in formats:
            part.chart_files["png"] = folder / f"{part.id}.png"
            later.append(partial(save_chart, figure, part.chart_files["png"]))
    return later

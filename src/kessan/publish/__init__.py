"""`kessan publish`: the settlement package as an Excel workbook, a PDF and a static HTML site.

The report model's tables, arranged by the book's publish.toml into a package (model.Package,
build.build_package), and three renderers (xlsx, pdf, html), so every output shows the same
figures in the same published order.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from ..render.chart import register_font, save_chart, trend_figure
from .build import build_package
from .fonts import japanese_fonts
from .html import write_site
from .model import Package
from .pdf import write_pdf
from .spec import PublishSpec, read_spec
from .xlsx import write_workbook

FORMATS = ("xlsx", "pdf", "html")

__all__ = ["FORMATS", "MANIFEST", "Package", "PublishError", "PublishSpec", "build_package", "publish", "read_spec"]


MANIFEST = ".kessan-publish.json"  # what earlier publishes wrote into the folder, by format


class PublishError(Exception):
    """The package could not be written (a file where the folder should be, no permission, a full disk)."""


def publish(package: Package, out_dir: Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Write the chosen formats into out_dir; returns the paths written (the site as its index).

    Everything is written into a staging folder inside out_dir first and then moved into place
    file by file, so no file is ever half written under its final name. Pages an earlier
    publish wrote (listed in the folder's manifest) and this one does not are removed; no
    other file is touched."""
    try:
        return _publish(package, out_dir, formats)
    except OSError as exc:
        raise PublishError(f"cannot write the package into {out_dir}: {exc.strerror or exc}") from exc


def _publish(package: Package, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    if out_dir.exists() and not out_dir.is_dir():
        raise PublishError(f"{out_dir} is a file; name a folder with --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kessan-staging-", dir=out_dir))
    try:
        written: dict[str, Path] = {}
        # Typst lays out the PDF on a second thread, outside the GIL, while this one writes the
        # workbook and the site; it starts as soon as the charts' SVGs are written
        with ThreadPoolExecutor(max_workers=1) as pool:
            pngs = _draw_charts(package, staging / ".charts", formats)
            pdf = None
            if "pdf" in formats:
                pdf = pool.submit(write_pdf, package, staging / f"{package.file}.pdf")
            for write_png in pngs:
                write_png()
            if "xlsx" in formats:
                written["xlsx"] = write_workbook(package, staging / f"{package.file}.xlsx")
            if "html" in formats:
                write_site(package, staging / "html")
                written["html"] = staging / "html" / "index.html"
            if pdf is not None:
                written["pdf"] = pdf.result()
        files = {fmt: sorted(str(f.relative_to(staging)) for f in _files(staging / "html" if fmt == "html" else path))
                 for fmt, path in written.items()}
        _move_into_place(staging, out_dir, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / written[f].relative_to(staging) for f in FORMATS if f in written]


def _files(path: Path) -> list[Path]:
    return [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]


def _move_into_place(staging: Path, out_dir: Path, files: dict[str, list[str]]) -> None:
    manifest = out_dir / MANIFEST
    try:
        earlier: dict[str, list[str]] = json.loads(manifest.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        earlier = {}
    for names in files.values():
        for name in names:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, out_dir / name)
    for fmt, names in files.items():  # stale pages of the formats written now
        for name in set(earlier.get(fmt, ())) - set(names):
            (out_dir / name).unlink(missing_ok=True)
    record = out_dir / f"{MANIFEST}.tmp"
    record.write_text(json.dumps(earlier | files, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(record, manifest)


def _draw_charts(package: Package, folder: Path, formats: tuple[str, ...]) -> list[Callable[[], Path]]:
    """Draw the chart of each part that has one and write its SVG (the PDF and the site embed
    it) now; return the writers of the PNGs (the workbook's), which can wait."""
    later: list[Callable[[], Path]] = []
    family: str | None = None
    for part in package.parts:
        if part.chart is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        # the chart's text in the PDF's gothic, which Typst is given: set and embedded, searchable
        family = family or register_font(japanese_fonts()["gothic"].path)
        figure = trend_figure(part.chart, family)
        if "pdf" in formats or "html" in formats:
            part.chart_files["svg"] = save_chart(figure, folder / f"{part.id}.svg", family)
        if "xlsx" in formats:
            part.chart_files["png"] = folder / f"{part.id}.png"
            later.append(partial(save_chart, figure, part.chart_files["png"], family))
    return later

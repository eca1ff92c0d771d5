"""The package as a static HTML site (Jinja2): an index and one page per part.

Pages are well-formed XHTML-compatible markup with accessible tables (caption, th scope) and
no external requests: the style sheet is a local file, fonts are local font names. Every
amount cell carries its figures-contract key (data-table, data-line, data-column).
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from importlib import resources
from pathlib import Path

import jinja2

from ..render.format import yen
from .model import Package, Part


def amount(value) -> str:
    """An amount as printed: thousands separators, △ for negatives; 億円 keep their decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{abs(value):,}"
        return ("△" + text) if value < 0 else text
    if isinstance(value, int):
        return yen(value)
    return str(value)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("kessan.publish", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    env.filters["amount"] = amount
    env.globals["ideographic_space"] = "\u3000"
    return env


def stylesheet(*names: str) -> str:
    folder = resources.files("kessan.publish") / "static"
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in names)


def write_site(package: Package, out_dir: Path) -> list[Path]:
    """Write index.html, one page per part, style.css and the charts into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = environment()
    written = [out_dir / "style.css"]
    written[0].write_text(stylesheet("common.css", "site.css"), encoding="utf-8")
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html.j2").render(package=package, labels=package.labels), encoding="utf-8")
    written.append(index)
    parts = package.parts
    sections = {p.id: s for s in package.sections for p in s.parts}
    for i, part in enumerate(parts):
        chart = _copy_chart(part, out_dir)
        page = env.get_template("page.html.j2").render(
            package=package, labels=package.labels, part=part, section=sections[part.id],
            previous=parts[i - 1] if i else None, next=parts[i + 1] if i + 1 < len(parts) else None,
            chart_src=chart)
        path = out_dir / f"{part.id}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


def _copy_chart(part: Part, out_dir: Path) -> str | None:
    svg = part.chart_files.get("svg")
    if svg is None:
        return None
    target = out_dir / f"{part.id}.svg"
    shutil.copyfile(svg, target)
    return target.name


def render_document(package: Package, font_faces: str) -> str:
    """The whole package as one HTML document for the PDF (print CSS, fonts as @font-face)."""
    env = environment()
    charts = {p.id: p.chart_files["svg"].as_uri() for p in package.parts if p.chart_files.get("svg")}
    return env.get_template("document.html.j2").render(
        package=package, labels=package.labels, css=stylesheet("common.css", "pdf.css"),
        font_faces=font_faces, charts=charts)

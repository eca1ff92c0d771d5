"""The package as a static HTML site (Jinja2): an index and one page per table (a part with
several tables, such as the 注記, gets one page for each; a text part is one page).

Pages are well-formed XHTML-compatible markup with accessible tables (caption, th scope) and
no external requests: the style sheet is a local file, fonts are local font names. Every
amount cell carries its figures-contract key (data-table, data-line, data-column).
"""

from __future__ import annotations

import dataclasses
import shutil
from importlib import resources
from pathlib import Path

import jinja2

from ..render.format import amount, printed
from .model import Package, Part


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("kessan.publish", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    env.filters["amount"] = amount
    env.filters["printed"] = printed
    env.globals["ideographic_space"] = "\u3000"
    return env


def stylesheet(*names: str) -> str:
    folder = resources.files("kessan.publish") / "static"
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in names)


def site_pages(package: Package) -> list[tuple[str, Part]]:
    """(file stem, what the page shows): the part itself when it has at most one table, else
    one page per table, each a copy of the part holding that table (the chart on the first)."""
    pages: list[tuple[str, Part]] = []
    for part in package.parts:
        if len(part.tables) <= 1:
            pages.append((part.id, part))
            continue
        for k, table in enumerate(part.tables, 1):
            pages.append((f"{part.id}-{k}", dataclasses.replace(
                part, tables=[table], text=part.text if k == 1 else [], chart_files=part.chart_files if k == 1 else {})))
    return pages


def write_site(package: Package, out_dir: Path) -> list[Path]:
    """Write index.html, one page per table, style.css and the charts into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = environment()
    written = [out_dir / "style.css"]
    written[0].write_text(stylesheet("common.css", "site.css"), encoding="utf-8")
    pages = site_pages(package)
    by_part: dict[str, list[tuple[str, str]]] = {}
    for stem, shown in pages:
        by_part.setdefault(shown.id, []).append((stem, shown.tables[0].title if shown.tables else shown.title))
    index = out_dir / "index.html"
    index.write_text(env.get_template("index.html.j2").render(package=package, labels=package.labels, pages=by_part),
                     encoding="utf-8")
    written.append(index)
    sections = {p.id: s for s in package.sections for p in s.parts}
    for i, (stem, shown) in enumerate(pages):
        chart = _copy_chart(shown, out_dir)
        previous = pages[i - 1] if i else None
        following = pages[i + 1] if i + 1 < len(pages) else None
        page = env.get_template("page.html.j2").render(
            package=package, labels=package.labels, part=shown, section=sections[shown.id],
            previous=_link(previous), next=_link(following), chart_src=chart)
        path = out_dir / f"{stem}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


def _link(page: tuple[str, Part] | None) -> dict[str, str] | None:
    if page is None:
        return None
    stem, shown = page
    title = shown.tables[0].title if len(shown.tables) == 1 and shown.tables[0].title != shown.title else None
    return {"href": f"{stem}.html", "title": f"{shown.title} {title}" if title else shown.title}


def _copy_chart(part: Part, out_dir: Path) -> str | None:
    svg = part.chart_files.get("svg")
    if svg is None:
        return None
    target = out_dir / f"{part.id}.svg"
    shutil.copyfile(svg, target)
    return target.name

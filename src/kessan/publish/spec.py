"""The package structure of `kessan publish`: BOOK_DIR/publish.toml (docs/publish.md).

Sections and parts in the published order; a part (one sheet, one HTML page, one PDF
chapter) lists layouts by statement id. Problems are InputErrors naming the file and field.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..io.files import Problems
from ..io.tomlfile import Bool, Date, Strings, Table, Tables, Text, read_toml
from ..ledger.errors import BookError, InputError
from ..report.build import DEFAULT_LABELS, ColumnGroup

FILE = "publish.toml"
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
PART_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FILE_NAME = re.compile(r"[^/\\\0]+")
SHAPE = Table({
    "package": Table({"title": Text(), "date": Date(), "file": Text()}),
    "section": Tables(Table({"title": Text(), "toc": Text(), "part": Tables(Table({
        "id": Text(), "sheet": Text(), "tables": Strings(), "title": Text(), "form": Text(), "group": Text(),
        "landscape": Bool(), "by_segment": Bool(), "label_header": Text(), "chart": Bool(),
        "above_title": Text()}))})),
    "labels": Table(rest=Text()),
    "column_group": Tables(Table({"statement": Text(), "label": Text(), "columns": Strings(), "labels": Strings()})),
})

@dataclass(frozen=True)
class TableRef:
    statement: str
    segments: bool = False  # the 事業別 table (or the per-segment tables) instead of the whole organisation

    @classmethod
    def parse(cls, text: str) -> TableRef:
        stmt, _, which = text.partition(":")
        return cls(stmt.strip(), which.strip() == "segments")


@dataclass(frozen=True)
class PartSpec:
    id: str
    sheet: str
    tables: tuple[TableRef, ...]
    title: str | None = None
    form: str | None = None  # 様式 number, e.g. 様式第13号
    group: str | None = None  # 注記, 附属明細書, 事業別財務情報: a sub-heading of the contents
    landscape: bool = False
    by_segment: bool = False  # order per-segment tables segment by segment
    label_header: str | None = None
    chart: bool = False  # add the chart of a trend table
    above_title: str | None = None  # a line between the form and the title: (貸借対照表関係)


@dataclass(frozen=True)
class SectionSpec:
    title: str
    toc: str
    parts: tuple[PartSpec, ...]


@dataclass(frozen=True)
class PublishSpec:
    sections: tuple[SectionSpec, ...]
    title: str | None = None
    date: dt.date | None = None
    file: str | None = None
    labels: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABELS))
    column_groups: tuple[ColumnGroup, ...] = ()

    @property
    def parts(self) -> list[PartSpec]:
        return [p for s in self.sections for p in s.parts]


def read_spec(path: Path) -> PublishSpec:
    """Parse publish.toml; raise BookError with every problem found."""
    if not path.exists():
        raise BookError([InputError(FILE, None, None, f"{path} not found: the package structure is needed to publish")])
    found = Problems()
    doc = read_toml(path, FILE, found, SHAPE)
    if doc is None:
        raise BookError(found.items)
    errors: list[InputError] = []
    sections = tuple(_section(raw, i, errors) for i, raw in enumerate(doc.get("section", []), 1))
    pkg = doc.get("package", {})
    date = pkg.get("date")
    if "file" in pkg and (not FILE_NAME.fullmatch(pkg["file"]) or pkg["file"] in (".", "..")):
        errors.append(InputError(FILE, None, "package.file", f"{pkg['file']!r}: a file name, without / or \\"))
    labels = dict(DEFAULT_LABELS) | doc.get("labels", {})
    groups = tuple(_column_group(raw, i, errors) for i, raw in enumerate(doc.get("column_group", []), 1))
    errors += _structure_problems(sections)
    if errors:
        raise BookError(errors)
    return PublishSpec(sections, pkg.get("title"), date, pkg.get("file"), labels, groups)


def _section(raw: dict[str, Any], n: int, errors: list[InputError]) -> SectionSpec:
    title = raw.get("title") or ""
    if not title:
        errors.append(InputError(FILE, None, f"section #{n}", "needs a title"))
    parts = tuple(_part(p, f"section #{n} part #{i}", errors) for i, p in enumerate(raw.get("part", []), 1))
    return SectionSpec(title, raw.get("toc") or title, parts)


def _part(raw: dict[str, Any], where: str, errors: list[InputError]) -> PartSpec:
    pid, sheet = str(raw.get("id", "")), str(raw.get("sheet", ""))
    if not PART_ID.match(pid):
        errors.append(InputError(FILE, None, f"{where}.id", f"{pid!r}: use lower-case letters, digits, _ and -"))
    if not sheet or len(sheet) > 31 or SHEET_FORBIDDEN.search(sheet):
        errors.append(InputError(FILE, None, f"{where}.sheet", f"{sheet!r}: a sheet name has 1-31 characters, none of []:*?/\\"))
    tables = tuple(TableRef.parse(t) for t in raw.get("tables", []))
    if not tables:
        errors.append(InputError(FILE, None, f"{where}.tables", "lists no table"))
    return PartSpec(pid, sheet, tables, raw.get("title"), raw.get("form"), raw.get("group"),
                    bool(raw.get("landscape", False)), bool(raw.get("by_segment", False)),
                    raw.get("label_header"), bool(raw.get("chart", False)), raw.get("above_title"))


def _column_group(raw: dict[str, Any], n: int, errors: list[InputError]) -> ColumnGroup:
    columns, labels = tuple(raw.get("columns", ())), tuple(raw.get("labels", raw.get("columns", ())))
    if len(columns) != len(labels) or not columns:
        errors.append(InputError(FILE, None, f"column_group #{n}", "columns and labels must be non-empty and of one length"))
    return ColumnGroup(str(raw.get("statement", "")), str(raw.get("label", "")), columns, labels)


def _structure_problems(sections: tuple[SectionSpec, ...]) -> list[InputError]:
    errors = []
    seen_ids: set[str] = set()
    seen_sheets: set[str] = set()
    for part in (p for s in sections for p in s.parts):
        if part.id in seen_ids:
            errors.append(InputError(FILE, None, "part.id", f"duplicate part id {part.id!r}"))
        if part.sheet.casefold() in seen_sheets:
            errors.append(InputError(FILE, None, "part.sheet", f"duplicate sheet name {part.sheet!r}"))
        seen_ids.add(part.id)
        seen_sheets.add(part.sheet.casefold())
    return errors

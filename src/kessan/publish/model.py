"""The published package: Package → Section → Part → the report model's tables.

publish.toml arranges the tables of the report model (report/model.py) into sections and
parts; the Excel, HTML and PDF renderers only lay them out, so the three outputs show the
numbers of the one model, which every other output (text, CSV, JSON) renders too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..report.model import Cell, Column, Formula, HeaderCell, Row, Table, Term

__all__ = ["Cell", "Column", "Formula", "HeaderCell", "Package", "Part", "Row", "Section", "Table", "Term"]


@dataclass
class Part:
    """One sheet of the workbook, one page of the site, one chapter of the PDF."""

    id: str
    sheet: str
    title: str
    tables: list[Table] = field(default_factory=list)
    text: list[str] = field(default_factory=list)  # a text statement (重要な会計方針), line by line
    form: str | None = None  # 様式第13号
    above_title: str | None = None  # printed between the form and the title: (貸借対照表関係)
    group: str | None = None  # 附属明細書, …
    landscape: bool = False
    chart: Table | None = None  # a 推移 table to draw
    chart_files: dict[str, Path] = field(default_factory=dict)  # png, svg once drawn

    @property
    def shared_header(self) -> bool:
        """Whether every table has the same header, so one frozen header serves the sheet."""
        heads = [[(c.text, c.row, c.col, c.rowspan, c.colspan) for c in t.header()] for t in self.tables]
        return bool(heads) and all(h == heads[0] for h in heads)


@dataclass
class Section:
    title: str
    toc: str
    parts: list[Part] = field(default_factory=list)


@dataclass
class Package:
    entity: str
    title: str  # 令和2年度決算
    date: str  # 令和3年6月23日
    file: str  # base name of the .xlsx and .pdf
    sections: list[Section]
    labels: dict[str, str]
    draft: bool = False  # the fiscal year is not CLOSED: every page and sheet says 未確定

    @property
    def parts(self) -> list[Part]:
        return [p for s in self.sections for p in s.parts]

    @property
    def tables(self) -> list[Table]:
        return [t for p in self.parts for t in p.tables]

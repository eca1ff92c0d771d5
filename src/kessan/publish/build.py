"""Arrange the report model's tables into the published package (publish.toml).

Nothing here computes a figure: a part takes the report's tables as built, and only its
printed title (様式 prefix removed, a part title) and label header may differ.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..ledger.errors import BookError, InputError
from ..report.model import Report, Table
from ..report.wareki import wareki
from .model import Package, Part, Section
from .spec import FILE, PartSpec, PublishSpec, TableRef


def build_package(report: Report, spec: PublishSpec, fiscal_year_end: dt.date) -> Package:
    """The whole package in the order of publish.toml; every table of the report must be listed."""
    if problems := spec_problems(report, spec):
        raise BookError(problems)
    sections = [Section(s.title, s.toc, [_part(report, p) for p in s.parts]) for s in spec.sections]
    title = spec.title or spec.labels["title"].format(fiscal_year=report.fiscal_year)
    date = wareki(spec.date or fiscal_year_end)
    return Package(report.entity, title, date, spec.file or f"{report.book}-{report.year}", sections, spec.labels,
                   draft=report.closing_state != "CLOSED")


def _is_segment_table(t: Table) -> bool:
    return t.kind == "segments" or (t.kind == "budget" and t.segment is not None)


def _tables(report: Report, ref: TableRef) -> list[Table]:
    return [t for t in report.of_statement(ref.statement) if _is_segment_table(t) == ref.segments]


def spec_problems(report: Report, spec: PublishSpec) -> list[InputError]:
    """Unknown statement ids, misplaced ':segments', and tables the package leaves out."""
    statements = {t.statement for t in report.tables}
    errors: list[InputError] = []
    listed: set[TableRef] = set()
    for part in spec.parts:
        for ref in part.tables:
            listed.add(ref)
            if ref.statement not in statements:
                errors.append(InputError(FILE, None, f"part {part.id}", f"no statement {ref.statement!r} in layouts/"))
            elif ref.segments and not _tables(report, ref):
                errors.append(InputError(FILE, None, f"part {part.id}", f"{ref.statement!r} has no segment table"))
            elif part.by_segment and not (ref.segments and all(t.kind == "budget" for t in _tables(report, ref))):
                errors.append(InputError(FILE, None, f"part {part.id}",
                                         f"by_segment lists only per-segment tables; {ref.statement!r} is not one"))
    every = {TableRef(t.statement, _is_segment_table(t)) for t in report.tables}
    for ref in sorted(every - listed, key=lambda r: (r.statement, r.segments)):
        which = f"{ref.statement}:segments" if ref.segments else ref.statement
        errors.append(InputError(FILE, None, "tables", f"{which!r} is not in the package; list it in a part"))
    return errors


def _ordered(report: Report, spec: PartSpec) -> list[Table]:
    """The part's tables in print order: as listed, or segment by segment (by_segment)."""
    listed = [(ref, _tables(report, ref)) for ref in spec.tables]
    if not spec.by_segment:
        return [t for _, tables in listed for t in tables]
    segments = list(dict.fromkeys(t.segment for _, tables in listed for t in tables))
    return [t for seg in segments for _, tables in listed for t in tables if t.segment == seg]


def _part(report: Report, spec: PartSpec) -> Part:
    tables: list[Table] = []
    text: list[str] = []
    chart = None
    for t in _ordered(report, spec):
        if t.kind == "text":
            text += t.text
            continue
        if t.kind == "trend" and spec.chart:
            chart = t
        tables.append(_printed(t, spec))
    first = tables[0].title if tables else _tables(report, spec.tables[0])[0].title
    part = Part(spec.id, spec.sheet, spec.title or _strip_form(first, spec.form), tables, text, spec.form,
                spec.above_title, spec.group, spec.landscape, chart)
    if len(tables) == 1 and spec.title:
        tables[0].title = spec.title
    return part


def _printed(t: Table, spec: PartSpec) -> Table:
    """The table as this part prints it: its own copy, so the report model stays as built."""
    title = spec.title if (t.kind == "segments" and spec.title) else t.title
    header = t.label_header if spec.label_header is None else spec.label_header
    return dataclasses.replace(t, title=_strip_form(title, spec.form), label_header=header)


def _strip_form(title: str, form: str | None) -> str:
    return title.removeprefix(form).strip() if form else title

"""Published figures of earlier years (BOOK_DIR/history/<series>.csv: year,segment,value).

They are imported as printed (e.g. 30.8 億円): rounded published numbers that the ledger of
this book does not contain. They are shown next to ledger figures, never added to them in yen.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..ledger.errors import BookError
from ..ledger.model import Chart
from .files import Problems, csv_rows

DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # as printed: 30.8 (ASCII digits)
YEAR = re.compile(r"[0-9]{4}")
# lengths the database keeps (store/schema.py: history_figure)
SERIES_LIMIT = 64  # series names: the file names without .csv
VALUE_LIMIT = 32


def read_history(root: Path | str, chart: Chart) -> dict[str, dict[tuple[int, str], str]]:
    folder = Path(root) / "history"
    out: dict[str, dict[tuple[int, str], str]] = {}
    found = Problems()
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        name = f"history/{path.name}"
        series: dict[tuple[int, str], str] = {}
        if len(path.stem) > SERIES_LIMIT:
            found.add(name, None, None, f"a series name (the file name) has at most {SERIES_LIMIT} characters")
            continue
        for line, row in csv_rows(path, ("year", "segment", "value"), found, name=name):
            if len(row) != 3:
                found.add(name, line, None, f"expected 3 fields, got {len(row)}")
                continue
            year, seg, value = (c.strip() for c in row)
            if not YEAR.fullmatch(year):
                found.add(name, line, "year", f"not a year: {year!r} (expected four digits)")
            elif seg not in chart.segments:
                found.add(name, line, "segment", f"unknown segment {seg!r}")
            elif not DECIMAL.fullmatch(value):
                found.add(name, line, "value", f"not a decimal number: {value!r}")
            elif len(value) > VALUE_LIMIT:
                found.add(name, line, "value", f"{len(value)} characters; a figure has at most {VALUE_LIMIT}")
            elif (int(year), seg) in series:
                found.add(name, line, "year", f"duplicate figure for {year} {seg}")
            else:
                series[(int(year), seg)] = value
        out[path.stem] = series
    errors = found.items
    if errors:
        raise BookError(errors)
    return out

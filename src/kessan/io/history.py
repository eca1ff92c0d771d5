"""Published figures of earlier years (BOOK_DIR/history/<series>.csv: year,segment,value).

They are imported as printed (e.g. 30.8 億円): rounded published numbers that the ledger of
this book does not contain. They are shown next to ledger figures, never added to them in yen.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from ..ledger.errors import BookError, InputError
from ..ledger.model import Chart

DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def read_history(root: Path | str, chart: Chart) -> dict[str, dict[tuple[int, str], str]]:
    folder = Path(root) / "history"
    out: dict[str, dict[tuple[int, str], str]] = {}
    errors: list[InputError] = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        name = f"history/{path.name}"
        series: dict[tuple[int, str], str] = {}
        try:
            with open(path, encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh, strict=True)
                if next(reader, None) != ["year", "segment", "value"]:
                    errors.append(InputError(name, 1, None, "header must be year,segment,value"))
                    continue
                for row in reader:
                    line = reader.line_num
                    if len(row) != 3:
                        errors.append(InputError(name, line, None, f"expected 3 fields, got {len(row)}"))
                        continue
                    year, seg, value = (c.strip() for c in row)
                    if not year.isdigit():
                        errors.append(InputError(name, line, "year", f"not a year: {year!r}"))
                    elif seg not in chart.segments:
                        errors.append(InputError(name, line, "segment", f"unknown segment {seg!r}"))
                    elif not DECIMAL.match(value):
                        errors.append(InputError(name, line, "value", f"not a decimal number: {value!r}"))
                    elif (int(year), seg) in series:
                        errors.append(InputError(name, line, "year", f"duplicate figure for {year} {seg}"))
                    else:
                        series[(int(year), seg)] = value
        except UnicodeDecodeError as exc:
            errors.append(InputError(name, None, None, f"wrong encoding: not UTF-8 ({exc.reason})"))
        except csv.Error as exc:
            errors.append(InputError(name, None, None, f"malformed CSV: {exc}"))
        out[path.stem] = series
    if errors:
        raise BookError(errors)
    return out

"""Readers of the source formats: each turns a file into 伝票 (``Slip``) and located problems.

* ``yayoi``: 弥生インポート形式, positional columns, no header; 識別フラグ 2000 (one-line
  entry), 2111 (one-line 伝票), 2110 / 2100 / 2101 (first, middle, last line of a 伝票).
* ``freee``, ``moneyforward``, ``csv``: a header row names the columns (``COLUMNS``); rows
  with the same 伝票番号 / 取引No next to each other are one 伝票.
* ``xlsx``: the same header-named layout in a worksheet (openpyxl, values not formulas).

Text files are UTF-8 (with or without a byte-order mark) or Shift_JIS (cp932), detected.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from openpyxl import load_workbook

from ..files import Problems, open_problem
from .slips import Side, Slip
from .values import decode, normal, parse_date, parse_yen

FORMATS = ("yayoi", "freee", "moneyforward", "xlsx", "csv")

Row = tuple[int, list[str]]  # (line or worksheet row, cells as text)


# ---------------------------------------------------------------- text and cells


def text_rows(path: Path, name: str, problems: Problems) -> Iterator[Row]:
    """The CSV rows of a UTF-8 or Shift_JIS text file, numbered by the line each starts on."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.add(name, None, None, open_problem(exc))
        return
    text, _, why = decode(data)
    if text is None:
        line = int(why.split(":")[0].removeprefix("line "))
        problems.add(name, line, None, "wrong encoding: " + why.split(": ", 1)[1])
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.add(name, reader.line_num, None, f"malformed CSV: {exc}")


def sheet_rows(path: Path, name: str, sheet: str | None, problems: Problems) -> tuple[str, list[Row]]:
    """(the name to show, the rows) of a worksheet: the one named ``sheet``, else the first."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        problems.add(name, None, None, "file not found")
        return name, []
    except Exception as exc:  # openpyxl raises zipfile, XML and its own errors for a file it cannot read
        problems.add(name, None, None, f"not an .xlsx workbook kessan can read ({type(exc).__name__}: {exc})")
        return name, []
    try:
        if sheet is not None and sheet not in book.sheetnames:
            problems.add(name, None, "sheet", f"no worksheet {sheet!r} (it has: {', '.join(book.sheetnames)})")
            return name, []
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        shown = f"{name}!{ws.title}"
        rows = [(n, [_cell_text(v) for v in values]) for n, values in enumerate(ws.iter_rows(values_only=True), 1)]
        return shown, rows
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A cell as the text a CSV would hold: a date as YYYY-MM-DD, a whole number without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- 弥生インポート形式

YAYOI_COLUMNS = ("識別フラグ", "伝票No.", "決算", "取引日付", "借方勘定科目", "借方補助科目", "借方部門", "借方税区分",
                 "借方金額", "借方税金額", "貸方勘定科目", "貸方補助科目", "貸方部門", "貸方税区分", "貸方金額",
                 "貸方税金額", "摘要", "番号", "期日", "タイプ", "生成元", "仕訳メモ", "付箋1", "付箋2", "調整")
YAYOI_MIN = 16  # through 貸方税金額; 摘要 and the rest may be left off
SINGLE, SLIP_ONE, FIRST, MIDDLE, LAST = "2000", "2111", "2110", "2100", "2101"
FLAGS = (SINGLE, SLIP_ONE, FIRST, MIDDLE, LAST)


class _Line(NamedTuple):
    line: int
    flag: str
    number: str
    settlement: str
    date: dt.date | None
    sides: tuple[Side, ...]
    memo: str


def yayoi_slips(rows: Iterable[Row], name: str, problems: Problems) -> list[Slip]:
    slips: list[Slip] = []
    start: int | None = None  # first line of the open 伝票 (2110 seen, 2101 not yet)
    lines: list[_Line | None] = []  # its lines so far (None: a line with a problem, reported)
    for number, row in rows:
        if not any(c.strip() for c in row) or _flag(row) == "識別フラグ":  # blank, or a header row some tools write
            continue
        flag = _flag(row)
        parsed = _yayoi_line(number, row, name, problems)
        if flag not in FLAGS:
            continue  # reported; where it belongs is unknown
        if flag in (SINGLE, SLIP_ONE, FIRST):
            if start is not None:
                problems.add(name, start, "識別フラグ",
                             f"the 伝票 starting here (2110) has no last line (2101) before line {number}")
                start = None
            if flag == FIRST:
                start, lines = number, [parsed]
            elif parsed is not None:
                _add(slips, [parsed])
        elif start is None:
            problems.add(name, number, "識別フラグ", f"識別フラグ {flag} continues a 伝票, but no 伝票 was started (2110)")
        else:
            lines.append(parsed)
            if flag == LAST:
                if all(ln is not None for ln in lines):
                    _add(slips, [ln for ln in lines if ln is not None])
                start = None
    if start is not None:
        problems.add(name, start, "識別フラグ", "the 伝票 starting here (2110) has no last line (2101)")
    return slips


def _flag(row: list[str]) -> str:
    return normal(row[0]) if row else ""


def _yayoi_line(number: int, row: list[str], name: str, problems: Problems) -> _Line | None:
    if len(row) < YAYOI_MIN:
        problems.add(name, number, None, f"expected at least {YAYOI_MIN} fields of the 弥生インポート形式 "
                                         f"(識別フラグ … 貸方税金額), got {len(row)}")
        return None
    cells = dict(zip(YAYOI_COLUMNS, row, strict=False))
    flag = normal(cells["識別フラグ"])
    if flag not in FLAGS:
        problems.add(name, number, "識別フラグ", f"識別フラグ {flag!r} is not 2000, 2111, 2110, 2100 or 2101")
        return None
    ok = _no_nul(number, cells, name, problems)
    day: dt.date | None = None
    if flag in (SINGLE, SLIP_ONE, FIRST):  # a 伝票 takes the date of its first line
        day, why = parse_date(cells["取引日付"])
        if day is None:
            problems.add(name, number, "取引日付", why)
            ok = False
    memo = cells.get("摘要", "").strip()
    sides = _sides(number, cells, name, problems, memo)
    if sides is None or not ok:
        return None
    return _Line(number, flag, cells["伝票No."].strip(), normal(cells["決算"]), day, sides, memo)


def _add(slips: list[Slip], lines: list[_Line]) -> None:
    head = lines[0]
    assert head.date is not None  # a first line without a date is not kept
    memo = next((ln.memo for ln in lines if ln.memo), "")
    slips.append(Slip(head.line, head.number, head.date, head.settlement, memo,
                      tuple(s for ln in lines for s in ln.sides)))


# ---------------------------------------------------------------- header-named layouts

# column role -> the headers that may name it (first found wins), for freee, MoneyForward,
# generic CSV and .xlsx journals
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("伝票番号", "伝票No.", "伝票No", "取引No", "取引No.", "仕訳番号"),
    "date": ("取引日", "取引日付", "日付", "発生日"),
    "settlement": ("決算", "決算整理仕訳"),
    "memo": ("摘要",),
    **{f"{side}{role}": tuple(f"{side}{h}" for h in headers)
       for side in ("借方", "貸方")
       for role, headers in (("勘定科目", ("勘定科目",)), ("補助科目", ("補助科目",)), ("部門", ("部門",)),
                             ("金額", ("金額", "金額(円)")))},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "freee": ("date", "借方勘定科目", "借方金額", "貸方勘定科目", "貸方金額"),
    "moneyforward": ("number", "date", "借方勘定科目", "借方金額", "貸方勘定科目", "貸方金額"),
    "csv": ("date", "借方勘定科目", "借方金額", "貸方勘定科目", "貸方金額"),
    "xlsx": ("date", "借方勘定科目", "借方金額", "貸方勘定科目", "貸方金額"),
}


def tabular_slips(rows: Iterable[Row], fmt: str, name: str, problems: Problems) -> list[Slip]:
    it = iter(rows)
    header: dict[str, int] | None = None
    for number, row in it:
        if any(c.strip() for c in row):
            header = _header(number, row, fmt, name, problems)
            break
    else:
        problems.add(name, 1, None, "empty file: expected a header row")
    if header is None:
        return []
    slips: list[Slip] = []
    group: list[tuple[int, dict[str, str], tuple[Side, ...]]] = []
    group_key: str | None = None  # the 伝票番号 of the open group (None: a row without one)
    group_bad = False  # a row of the group has a problem (reported): the 伝票 is not kept
    seen: dict[str, int] = {}
    for number, row in it:
        if not any(c.strip() for c in row):
            continue
        cells = {role: row[k].strip() if k < len(row) else "" for role, k in header.items()}
        sides = _sides(number, cells, name, problems, cells.get("memo", ""))
        ok = _no_nul(number, cells, name, problems) and sides is not None
        key = cells.get("number", "")
        if group_key is None or not key or key != group_key:
            if group and not group_bad:
                _add_rows(slips, group, name, problems)
            group, group_key, group_bad = [], key or None, False
            if key in seen:
                problems.add(name, number, COLUMNS["number"][0],
                             f"伝票 {key} appears again (first at line {seen[key]}): the rows of a 伝票 are next to each other")
                ok = False
            if key:
                seen.setdefault(key, number)
        if ok and sides is not None:
            group.append((number, cells, sides))
        else:
            group_bad = True
    if group and not group_bad:
        _add_rows(slips, group, name, problems)
    return slips


def _header(number: int, row: list[str], fmt: str, name: str, problems: Problems) -> dict[str, int] | None:
    names = [normal(h).replace("（", "(").replace("）", ")") for h in row]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    found: dict[str, int] = {}
    for role, headers in COLUMNS.items():
        for h in headers:
            if h in names:
                found[role] = names.index(h)
                break
    missing = [COLUMNS[r][0] for r in REQUIRED[fmt] if r not in found]
    if missing:
        problems.add(name, number, None, f"the header row has no column {', '.join(missing)} "
                                         f"(the {fmt} layout of docs/import.md); got {','.join(row)}")
        return None
    return found


def _add_rows(slips: list[Slip], rows: list[tuple[int, dict[str, str], tuple[Side, ...]]], name: str,
              problems: Problems) -> None:
    first_line, head, _ = rows[0]
    day, why = parse_date(head.get("date", ""))
    if day is None:
        problems.add(name, first_line, COLUMNS["date"][0], why)
        return
    for line, cells, _ in rows[1:]:
        other, _ = parse_date(cells.get("date", ""))
        if cells.get("date") and other != day:
            problems.add(name, line, COLUMNS["date"][0],
                         f"伝票 {head.get('number', '')}: date {cells['date']!r} differs from its first row ({day.isoformat()})")
            return
    settlement = next((normal(c.get("settlement", "")) for _, c, _ in rows if normal(c.get("settlement", ""))), "")
    memo = next((c.get("memo", "") for _, c, _ in rows if c.get("memo", "")), "")
    slips.append(Slip(first_line, head.get("number", ""), day, settlement, memo, tuple(s for _, _, ss in rows for s in ss)))


# ---------------------------------------------------------------- shared


def _no_nul(number: int, cells: dict[str, str], name: str, problems: Problems) -> bool:
    for column, value in cells.items():
        if "\0" in value:
            problems.add(name, number, column, "a NUL character (byte 0): not a text file, or a damaged one")
            return False
    return True


def _sides(number: int, cells: dict[str, str], name: str, problems: Problems, memo: str) -> tuple[Side, ...] | None:
    """The 借方 and 貸方 of a line: a side with neither account nor amount (or amount 0) is
    left out; an account without an amount or an amount without an account is a problem."""
    out: list[Side] = []
    ok = True
    for side in ("借方", "貸方"):
        account = cells.get(f"{side}勘定科目", "").strip()
        raw = cells.get(f"{side}金額", "")
        column = f"{side}金額"
        amount, why = parse_yen(raw)
        if not account:
            if amount not in (None, 0):
                problems.add(name, number, f"{side}勘定科目", f"{side}金額 {raw.strip()} without a {side}勘定科目")
                ok = False
            elif amount is None and why != "missing amount":
                problems.add(name, number, column, why)
                ok = False
            continue
        if amount is None:
            problems.add(name, number, column, why)
            ok = False
            continue
        out.append(Side(number, side == "借方", account, cells.get(f"{side}補助科目", "").strip(),
                        cells.get(f"{side}部門", "").strip(), amount, memo))
    return tuple(out) if ok else None


def read_slips(path: Path, fmt: str, problems: Problems, sheet: str | None = None) -> tuple[str, list[Slip]]:
    """(the file's name as shown in problems, its 伝票); problems say what could not be read."""
    name = path.name
    if fmt == "yayoi":
        return name, yayoi_slips(text_rows(path, name, problems), name, problems)
    if fmt == "xlsx":
        shown, rows = sheet_rows(path, name, sheet, problems)
        return shown, tabular_slips(rows, fmt, shown, problems)
    if fmt in REQUIRED:
        return name, tabular_slips(text_rows(path, name, problems), fmt, name, problems)
    raise ValueError(f"unknown import format {fmt!r}")

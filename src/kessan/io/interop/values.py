"""The text forms of dates, amounts and encodings the source formats allow.

Dates: 2020/4/1, 2020-04-01, 20200401, 2020年4月1日, and 和暦 R.02/04/01, R02/4/1, H31.4.30,
令和2年4月1日, 令和元年5月1日 (era data: ledger/eras.py). Amounts: integer yen, with or
without thousands separators, full-width digits allowed, a leading - (or △ ▲) for negative.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from ...ledger.eras import ERA_TABLE, era_of_letter, era_span, first_year
from ..files import MAX_YEN

_ERA_NAMES = "|".join(name for _, name, _ in ERA_TABLE)
_SEP = r"[/.\-]"
_WESTERN = (
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
_ERA_LETTER = re.compile(rf"([A-Za-z])\.?(\d{{1,2}}|元){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})")
_ERA_KANJI = (
    re.compile(rf"({_ERA_NAMES})(\d{{1,2}}|元)年(\d{{1,2}})月(\d{{1,2}})日"),
    re.compile(rf"({_ERA_NAMES})(\d{{1,2}}|元){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})"),
)
DATE_FORMS = "2020/4/1, 20200401, 2020-04-01, 2020年4月1日, R.02/04/01, 令和2年4月1日"


def normal(text: str) -> str:
    """Full-width digits, letters and signs as their ASCII forms (ＮＦＫＣ), blanks stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(text: str) -> tuple[dt.date | None, str]:
    """(the date, '') or (None, why not)."""
    t = normal(text)
    if not t:
        return None, "missing date"
    for pattern in _WESTERN:
        if m := pattern.fullmatch(t):
            return _day(int(m[1]), int(m[2]), int(m[3]), text)
    if m := _ERA_LETTER.fullmatch(t):
        era = era_of_letter(m[1])
        if era is None:
            return None, f"bad date {text!r}: unknown era letter {m[1]!r} (M, T, S, H, R)"
        return _wareki(era, m[2], int(m[3]), int(m[4]), text)
    for pattern in _ERA_KANJI:
        if m := pattern.fullmatch(t):
            return _wareki(m[1], m[2], int(m[3]), int(m[4]), text)
    return None, f"bad date {text!r}: expected a date such as {DATE_FORMS}"


def _day(year: int, month: int, day: int, text: str) -> tuple[dt.date | None, str]:
    try:
        return dt.date(year, month, day), ""
    except ValueError:
        return None, f"bad date {text!r}: no such day"


def _wareki(era: str, year_text: str, month: int, day: int, text: str) -> tuple[dt.date | None, str]:
    year = 1 if year_text == "元" else int(year_text)
    if year < 1:
        return None, f"bad date {text!r}: an era year starts at 元年 (1)"
    found, problem = _day(first_year(era) + year - 1, month, day, text)
    if found is None:
        return None, problem
    start, end = era_span(era)
    if found < start or (end is not None and found > end):
        last = f" to {end.isoformat()}" if end else " on"
        return None, f"bad date {text!r}: {found.isoformat()} is not in {era} ({start.isoformat()}{last})"
    return found, ""


_AMOUNT = re.compile(r"([-+△▲]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def parse_yen(text: str) -> tuple[int | None, str]:
    """(integer yen, '') or (None, why not); '' (blank) is (None, 'missing amount')."""
    t = normal(text).replace("¥", "").replace("円", "").strip()
    if not t:
        return None, "missing amount"
    m = _AMOUNT.fullmatch(t)
    if m is None:
        return None, f"not an amount of yen: {text!r}"
    if m[3] and m[3].strip("0"):
        return None, f"not a whole amount of yen: {text!r}"
    value = int(m[2].replace(",", ""))
    if value > MAX_YEN:
        return None, f"amount {text!r} is beyond ±{MAX_YEN:,} yen, the largest amount kessan keeps"
    return (-value if m[1] in ("-", "△", "▲") else value), ""


def decode(data: bytes) -> tuple[str | None, str, str]:
    """(text, encoding, '') of a file in UTF-8 (with or without a byte-order mark) or Shift_JIS
    (cp932); else (None, '', where and why it is neither)."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "", "line 1: UTF-16 (or UTF-32); save the file as UTF-8 or Shift_JIS (cp932)"
    else:
        encodings = ("utf-8", "cp932")
    failure: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding, ""
        except UnicodeDecodeError as exc:
            failure = exc if failure is None or exc.start > failure.start else failure
    assert failure is not None
    line = data[: failure.start].count(b"\n") + 1
    return None, "", (f"line {line}: neither UTF-8 nor Shift_JIS (cp932): byte 0x{data[failure.start]:02x} at offset "
                      f"{failure.start}; save the file as UTF-8 or Shift_JIS")

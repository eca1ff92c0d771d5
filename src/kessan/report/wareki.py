"""和暦 (Japanese era) dates for printed documents: 2021-03-31 → 令和3年3月31日.

Pure functions over an era table. Year one of an era is written 元年 (令和元年5月1日), and an
era begins on its first day (平成31年4月30日, 令和元年5月1日). Dates before 明治 (in the
Gregorian calendar, which Japan adopted in 明治6年) are refused.
"""

from __future__ import annotations

import datetime as dt

from ..ledger.eras import ERAS, MEIJI_FIRST_YEAR  # the era table (ledger/eras.py), shared with the importers

__all__ = ["ERAS", "MEIJI_FIRST_YEAR", "as_of", "era_year", "period", "wareki", "wareki_month", "year_text"]


def era_year(day: dt.date) -> tuple[str, int]:
    """The era and the year within it: 2019-05-01 → ("令和", 1)."""
    for start, name in ERAS:
        if day >= start:
            first = MEIJI_FIRST_YEAR if name == "明治" else start.year
            return name, day.year - first + 1
    raise ValueError(f"{day.isoformat()} is before the Gregorian calendar in Japan (明治6年)")


def year_text(name: str, year: int) -> str:
    """("令和", 1) → 令和元年; ("令和", 3) → 令和3年."""
    return f"{name}{'元' if year == 1 else year}年"


def wareki(day: dt.date) -> str:
    """2021-03-31 → 令和3年3月31日."""
    name, year = era_year(day)
    return f"{year_text(name, year)}{day.month}月{day.day}日"


def wareki_month(day: dt.date) -> str:
    """2021-06-23 → 令和3年6月."""
    name, year = era_year(day)
    return f"{year_text(name, year)}{day.month}月"


def as_of(day: dt.date, template: str = "{date}現在") -> str:
    """The caption of a balance: 令和3年3月31日現在."""
    return template.format(date=wareki(day))


def period(start: dt.date, end: dt.date, template: str = "{start}から{end}まで") -> str:
    """The caption of a flow statement: 令和2年4月1日から令和3年3月31日まで."""
    return template.format(start=wareki(start), end=wareki(end))

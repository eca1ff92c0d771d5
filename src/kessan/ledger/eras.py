"""The Japanese eras (元号) as data: the first day of each, newest first.

Kept in the ledger layer because both directions need it: reading 和暦 dates of imported
journals (io) and printing them in documents (report/wareki.py). A new era is one more line.
"""

from __future__ import annotations

import datetime as dt

# (first day, era name, the letter 会計 software writes for it: R.02/04/01), newest first
ERA_TABLE: tuple[tuple[dt.date, str, str], ...] = (
    (dt.date(2019, 5, 1), "令和", "R"),
    (dt.date(1989, 1, 8), "平成", "H"),
    (dt.date(1926, 12, 25), "昭和", "S"),
    (dt.date(1912, 7, 30), "大正", "T"),
    (dt.date(1873, 1, 1), "明治", "M"),  # Gregorian calendar from 明治6年1月1日
)
ERAS: tuple[tuple[dt.date, str], ...] = tuple((start, name) for start, name, _ in ERA_TABLE)
MEIJI_FIRST_YEAR = 1868


def first_year(name: str) -> int:
    """The Gregorian year of 元年 of an era: 令和 → 2019 (明治 → 1868, before the calendar change)."""
    for start, era, _ in ERA_TABLE:
        if era == name:
            return MEIJI_FIRST_YEAR if era == "明治" else start.year
    raise KeyError(name)


def era_span(name: str) -> tuple[dt.date, dt.date | None]:
    """The first and last day of an era in the Gregorian calendar (None: the current era)."""
    for i, (start, era, _) in enumerate(ERA_TABLE):
        if era == name:
            return start, (ERA_TABLE[i - 1][0] - dt.timedelta(days=1)) if i else None
    raise KeyError(name)


def era_of_letter(letter: str) -> str | None:
    """R → 令和, H → 平成 (upper or lower case); None for another letter."""
    return next((era for _, era, abbr in ERA_TABLE if abbr == letter.upper()), None)

"""和暦 dates: 元年, era boundaries, captions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kessan.report.wareki import ERAS, as_of, era_year, period, wareki, wareki_month
from kessan.statements.trend import era_label

D = dt.date


@pytest.mark.parametrize("day, text", [
    (D(2019, 4, 30), "平成31年4月30日"),
    (D(2019, 5, 1), "令和元年5月1日"),
    (D(2019, 12, 31), "令和元年12月31日"),
    (D(2020, 1, 1), "令和2年1月1日"),
    (D(2021, 3, 31), "令和3年3月31日"),
    (D(1989, 1, 7), "昭和64年1月7日"),
    (D(1989, 1, 8), "平成元年1月8日"),
    (D(1926, 12, 24), "大正15年12月24日"),
    (D(1926, 12, 25), "昭和元年12月25日"),
    (D(1912, 7, 29), "明治45年7月29日"),
    (D(1912, 7, 30), "大正元年7月30日"),
    (D(1873, 1, 1), "明治6年1月1日"),
])
def test_era_boundaries_and_first_year(day, text):
    assert wareki(day) == text


def test_before_the_gregorian_calendar_is_refused():
    with pytest.raises(ValueError):
        wareki(D(1872, 12, 31))


def test_captions():
    assert as_of(D(2021, 3, 31)) == "令和3年3月31日現在"
    assert period(D(2020, 4, 1), D(2021, 3, 31)) == "令和2年4月1日から令和3年3月31日まで"
    assert period(D(2019, 4, 1), D(2020, 3, 31)) == "平成31年4月1日から令和2年3月31日まで"
    assert wareki_month(D(2019, 5, 1)) == "令和元年5月"
    assert as_of(D(2019, 5, 1), "({date}現在)") == "(令和元年5月1日現在)"


@given(st.dates(min_value=D(1873, 1, 1), max_value=D(2200, 12, 31)))
def test_era_year_counts_from_the_era_start(day):
    name, year = era_year(day)
    assert year >= 1
    text = wareki(day)
    assert text.startswith(name) and text.endswith(f"{day.month}月{day.day}日")
    assert ("元年" in text) == (year == 1)
    starts = dict(ERAS)
    if day in starts:  # an era's first day is 元年, and the day before belongs to the previous era
        assert year == 1 or name == "明治"
        if name != "明治":
            assert era_year(day - dt.timedelta(days=1))[0] != name


@given(st.integers(min_value=1990, max_value=2100))
def test_consistent_with_trend_column_labels(year):
    """推移 labels a fiscal year by its starting calendar year in the era current at that year's end
    (R元 = FY2019, which began in 平成31年); wareki of 31 December gives the same era and number."""
    name, n = era_year(D(year, 12, 31))
    assert era_label(year) == {"令和": "R", "平成": "H"}[name] + ("元" if n == 1 else str(n))

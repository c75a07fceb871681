"""Named periods: fiscal years and quarters, calendar months, ISO weeks, and clear errors."""

import datetime as dt

import pytest

from models.errors import InvalidInput
from models.planning.periods import month_ranges, parse_period, quarter_ranges

D = dt.date


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("2027", D(2027, 1, 1), D(2027, 12, 31)),
        ("2027-Q1", D(2027, 1, 1), D(2027, 3, 31)),
        ("2027-q4", D(2027, 10, 1), D(2027, 12, 31)),
        ("2027-02", D(2027, 2, 1), D(2027, 2, 28)),
        ("2028-02", D(2028, 2, 1), D(2028, 2, 29)),
        ("2027-W05", D(2027, 2, 1), D(2027, 2, 7)),
        ("2026-W53", D(2026, 12, 28), D(2027, 1, 3)),
        (" FY2027 ", D(2027, 1, 1), D(2027, 12, 31)),
    ],
)
def test_calendar_periods(name, start, end):
    assert parse_period(name) == (start, end)


def test_fiscal_year_is_named_by_the_year_it_ends_in():
    assert parse_period("2027", fiscal_year_start_month=4) == (D(2026, 4, 1), D(2027, 3, 31))
    assert parse_period("2027-Q1", fiscal_year_start_month=4) == (D(2026, 4, 1), D(2026, 6, 30))
    assert parse_period("2027-Q4", fiscal_year_start_month=4) == (D(2027, 1, 1), D(2027, 3, 31))
    assert parse_period("2027-03", fiscal_year_start_month=4) == (D(2027, 3, 1), D(2027, 3, 31))  # months stay calendar


@pytest.mark.parametrize("name", ["2027-Q5", "2027-13", "Q1-2027", "27", "2027-W54", "2027/03", "", "2027-Q"])
def test_malformed_names_say_what_is_accepted(name):
    with pytest.raises(InvalidInput) as err:
        parse_period(name)
    assert repr(name) in str(err.value) or "week" in str(err.value) or "month" in str(err.value)


def test_bad_fiscal_start_month():
    with pytest.raises(InvalidInput, match="1..12"):
        parse_period("2027", fiscal_year_start_month=13)


def test_month_and_quarter_ranges_clip_to_the_period():
    months = month_ranges(D(2027, 1, 15), D(2027, 3, 10))
    assert months == [
        ("2027-01", (D(2027, 1, 15), D(2027, 1, 31))),
        ("2027-02", (D(2027, 2, 1), D(2027, 2, 28))),
        ("2027-03", (D(2027, 3, 1), D(2027, 3, 10))),
    ]
    quarters = quarter_ranges(D(2026, 4, 1), D(2027, 3, 31), fiscal_year_start_month=4)
    assert [q for q, _ in quarters] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert quarters[-1][1] == (D(2027, 1, 1), D(2027, 3, 31))

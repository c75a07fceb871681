"""Named planning periods: ``2027`` (fiscal year), ``2027-Q1`` (fiscal quarter), ``2027-03``
(calendar month) and ``2027-W05`` (ISO week), each turned into an inclusive (start, end).

A fiscal year is named by the calendar year it *ends* in (the usual convention, e.g. FY2027 with
April as its first month runs 2026-04-01..2027-03-31); with the default start month (January)
fiscal and calendar years coincide. Quarters are fiscal: ``2027-Q1`` is FY2027's first three
months. Months and ISO weeks are always calendar ones. ``FY2027`` and ``FY2027-Q1`` are accepted
as spellings of the same periods.
"""

from __future__ import annotations

import datetime as dt
import re

from models.errors import InvalidInput

__all__ = ["Period", "parse_period", "month_ranges", "quarter_ranges"]

Period = tuple[dt.date, dt.date]

_YEAR = re.compile(r"^(?:FY)?(\d{4})$")
_QUARTER = re.compile(r"^(?:FY)?(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_FORMS = "YYYY (fiscal year), YYYY-Qn (fiscal quarter, n=1..4), YYYY-MM (month) or YYYY-Www (ISO week)"


def _month_start(year: int, month: int) -> dt.date:
    """First day of ``month`` of ``year``, where month may run past 12 or below 1."""
    year += (month - 1) // 12
    if not dt.MINYEAR <= year <= dt.MAXYEAR:  # "0000", "9999-Q4": a period the calendar cannot hold
        raise InvalidInput(f"a period reaching year {year} is outside the calendar (years {dt.MINYEAR}..{dt.MAXYEAR})")
    return dt.date(year, (month - 1) % 12 + 1, 1)


def _span(year: int, month: int, months: int) -> Period:
    start = _month_start(year, month)
    return start, _month_start(year, month + months) - dt.timedelta(days=1)


def _fiscal_year_start(fiscal_year: int, start_month: int) -> tuple[int, int]:
    # FY N ends in calendar year N: it starts in N-1 unless the fiscal year starts in January.
    return (fiscal_year if start_month == 1 else fiscal_year - 1), start_month


def parse_period(name: str, fiscal_year_start_month: int = 1) -> Period:
    """The inclusive dates of a named period; ``InvalidInput`` naming the accepted forms otherwise."""
    if not 1 <= fiscal_year_start_month <= 12:
        raise InvalidInput(f"fiscal year start month must be 1..12, got {fiscal_year_start_month}")
    text = name.strip().upper()
    if m := _YEAR.match(text):
        return _span(*_fiscal_year_start(int(m[1]), fiscal_year_start_month), 12)
    if m := _QUARTER.match(text):
        year, month = _fiscal_year_start(int(m[1]), fiscal_year_start_month)
        return _span(year, month + 3 * (int(m[2]) - 1), 3)
    if m := _MONTH.match(text):
        if not 1 <= int(m[2]) <= 12:
            raise InvalidInput(f"period {name!r}: month must be 01..12")
        return _span(int(m[1]), int(m[2]), 1)
    if m := _WEEK.match(text):
        year, week = int(m[1]), int(m[2])
        try:
            start = dt.date.fromisocalendar(year, week, 1)
        except ValueError:
            raise InvalidInput(f"period {name!r}: ISO year {year} has no week {week:02d}") from None
        if start > dt.date.max - dt.timedelta(days=6):
            raise InvalidInput(f"period {name!r} ends after the calendar does ({dt.date.max})")
        return start, start + dt.timedelta(days=6)
    raise InvalidInput(f"malformed period {name!r}: use {_FORMS}")


def month_ranges(start: dt.date, end: dt.date) -> list[tuple[str, Period]]:
    """Calendar months overlapping [start, end], clipped to it, named ``YYYY-MM``."""
    out = []
    cursor = dt.date(start.year, start.month, 1)
    while cursor <= end:
        nxt = _month_start(cursor.year, cursor.month + 1)
        out.append((f"{cursor:%Y-%m}", (max(cursor, start), min(nxt - dt.timedelta(days=1), end))))
        cursor = nxt
    return out


def quarter_ranges(start: dt.date, end: dt.date, fiscal_year_start_month: int = 1) -> list[tuple[str, Period]]:
    """Fiscal quarters overlapping [start, end], clipped to it, named ``YYYY-Qn`` (fiscal year)."""
    out = []
    # the fiscal quarter holding ``start``
    offset = (start.month - fiscal_year_start_month) % 3
    cursor = _month_start(start.year, start.month - offset)
    while cursor <= end:
        nxt = _month_start(cursor.year, cursor.month + 3)
        months_into_fy = (cursor.month - fiscal_year_start_month) % 12
        fy_start = _month_start(cursor.year, cursor.month - months_into_fy)
        fiscal_year = fy_start.year if fiscal_year_start_month == 1 else fy_start.year + 1
        name = f"{fiscal_year}-Q{months_into_fy // 3 + 1}"
        out.append((name, (max(cursor, start), min(nxt - dt.timedelta(days=1), end))))
        cursor = nxt
    return out

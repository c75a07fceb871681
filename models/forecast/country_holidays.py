"""Country holidays for Prophet: checking a country code, and moving holidays onto period labels."""

from __future__ import annotations

import pandas as pd

from models.errors import InvalidInput
from models.forecast.contracts import DS, Frequency

__all__ = ["check_country_holidays", "period_holidays"]


def check_country_holidays(country: str | None) -> None:
    """InvalidInput naming the code when the ``holidays`` package does not know the country."""
    import holidays

    if country is not None and country not in holidays.list_supported_countries():
        raise InvalidInput(
            f"unknown country {country!r} for holidays: use an ISO 3166 code such as US, GB, DE or FR "
            "(python -c 'import holidays; print(sorted(holidays.list_supported_countries()))' lists them)"
        )


def period_holidays(country: str, freq: Frequency, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """A country's holidays as Prophet's ``holidays`` frame, each moved onto the period that holds it.

    Prophet matches holiday dates to ``ds`` exactly, so on weekly or monthly data a holiday would
    count only in the years it falls on the label day. Weekly labels are the week's last day
    (pandas ``W-XXX``), monthly ones the month's first (``MS``) or last (``ME``) day. Years run
    two past ``last`` so that the forecast horizon is covered. Substitute days off ("observed")
    are left out: shopping follows the holiday itself, and they would put it in two periods.
    """
    from prophet.make_holidays import make_holidays_df

    days = make_holidays_df(year_list=list(range(first.year, last.year + 3)), country=country)
    days = days[~days["holiday"].str.contains("(observed)", regex=False)]
    move = freq.offset.rollback if freq.alias == "MS" else freq.offset.rollforward
    frame = pd.DataFrame({"holiday": days["holiday"], DS: [move(d).normalize() for d in pd.to_datetime(days[DS])]})
    return frame.drop_duplicates().sort_values([DS, "holiday"], ignore_index=True)

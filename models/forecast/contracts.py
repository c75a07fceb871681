"""The sales-history data contract: column names and the frequencies we forecast at.

Sales history is long format, one row per series and period: ``series_id``, ``ds``, ``y``
(Prophet's names). A weekly or monthly ``ds`` labels its period: a week is counted by the date
of its anchor day (``W-FRI``: the Friday), a month by its first (``MS``) or last (``ME``) day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from models.errors import InvalidInput

__all__ = ["DS", "SERIES_ID", "Y", "ColumnMapping", "Frequency"]

SERIES_ID = "series_id"
DS = "ds"
Y = "y"

Kind = Literal["daily", "weekly", "monthly"]
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of a real export hold the series id, the date and the value."""

    id_col: str = SERIES_ID  # "Store,Dept": several columns form the id, joined with "-"
    date_col: str = DS
    value_col: str = Y

    @property
    def id_cols(self) -> list[str]:
        return [c.strip() for c in self.id_col.split(",") if c.strip()]

    def series_ids(self, raw: pd.DataFrame) -> pd.Series:
        """The series id of every row (several id columns are joined with "-")."""
        cols = self.id_cols
        if len(cols) == 1:
            return raw[cols[0]]
        text = raw[cols].astype("string")
        return text[cols[0]].str.cat([text[c] for c in cols[1:]], sep="-")  # NA where any part is


@dataclass(frozen=True)
class Frequency:
    """A supported sampling frequency, named by its pandas alias (``D``, ``W-FRI``, ``MS``, ``ME``)."""

    alias: str

    @classmethod
    def parse(cls, text: str, anchor_hint: pd.Series | None = None) -> Frequency:
        """Parse a user-given frequency; a bare ``W`` takes its anchor day from ``anchor_hint``."""
        t = text.strip().upper()
        if t in {"D", "DAY", "DAILY"}:
            return cls("D")
        if t in {"MS", "MONTH", "MONTHLY"}:
            return cls("MS")
        if t in {"ME", "M"}:
            return cls("ME")
        if t in {"W", "WEEK", "WEEKLY"}:
            if anchor_hint is None or anchor_hint.empty:
                return cls("W-SUN")
            return cls(f"W-{_WEEKDAYS[int(anchor_hint.dt.day_of_week.mode().iloc[0])]}")
        if t.startswith("W-") and t[2:] in _WEEKDAYS:
            return cls(t)
        raise InvalidInput(
            f"unknown frequency {text!r}: use D (daily), W or W-MON..W-SUN (weekly, anchored on "
            "that day), MS (monthly, dated on the 1st) or ME (monthly, dated on the last day)"
        )

    @property
    def kind(self) -> Kind:
        if self.alias == "D":
            return "daily"
        return "weekly" if self.alias.startswith("W-") else "monthly"

    @property
    def offset(self) -> pd.DateOffset:
        return pd.tseries.frequencies.to_offset(self.alias)

    @property
    def season_length(self) -> int:
        """Periods in the dominant seasonal cycle (used by seasonal-naive scaling)."""
        return {"daily": 7, "weekly": 52, "monthly": 12}[self.kind]

    @property
    def default_horizon(self) -> int:
        """A planning year ahead."""
        return {"daily": 365, "weekly": 52, "monthly": 12}[self.kind]

    @property
    def min_length(self) -> int:
        """Fewest observations a series needs before we fit it."""
        return {"daily": 56, "weekly": 26, "monthly": 24}[self.kind]

    def on_grid(self, dates: pd.Series) -> pd.Series:
        """Boolean mask: which dates are valid period labels for this frequency."""
        if self.kind == "daily":
            return pd.Series(True, index=dates.index)
        if self.kind == "weekly":
            return dates.dt.day_of_week == _WEEKDAYS.index(self.alias[2:])
        return dates.dt.is_month_start if self.alias == "MS" else dates.dt.is_month_end

    def label(self, dates: pd.Series) -> pd.Series:
        """The period label of each date (used when rows are summed into periods)."""
        if self.kind == "daily":
            return dates.dt.normalize()
        if self.kind == "weekly":
            anchor = _WEEKDAYS.index(self.alias[2:])
            ahead = (anchor - dates.dt.day_of_week) % 7
            return dates.dt.normalize() + pd.to_timedelta(ahead, unit="D")
        month = dates.dt.to_period("M")
        return month.dt.start_time if self.alias == "MS" else month.dt.end_time.dt.normalize()

    def range(self, start: pd.Timestamp, periods: int) -> pd.DatetimeIndex:
        return pd.date_range(start, periods=periods, freq=self.alias)

    def __str__(self) -> str:
        return self.alias


def infer_frequency(dates_by_series: list[pd.Series]) -> Frequency | None:
    """Infer one frequency from every series' sorted unique dates, or None if they disagree."""
    all_dates = pd.concat(dates_by_series, ignore_index=True) if dates_by_series else pd.Series()
    steps = [d.diff().dt.days.dropna() for d in dates_by_series if len(d) > 1]
    if not steps or all_dates.empty:
        return None
    smallest = int(pd.concat(steps).min())
    if smallest >= 28 and all_dates.dt.is_month_start.all():
        return Frequency("MS")
    if smallest >= 28 and all_dates.dt.is_month_end.all():
        return Frequency("ME")
    if smallest >= 7 and all_dates.dt.day_of_week.nunique() == 1:
        return Frequency(f"W-{_WEEKDAYS[int(all_dates.dt.day_of_week.iloc[0])]}")
    if smallest == 1:
        return Frequency("D")
    return None

"""Request and response bodies of the public API (with the examples shown in /docs)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ActualIn",
    "ActualsBatch",
    "DecomposeRequest",
    "ErrorBody",
    "FeasibilityRequest",
    "ObservationBatch",
    "ObservationIn",
    "FeasibilityResponse",
    "ForecastPoint",
    "ForecastResponse",
    "SeriesDetail",
    "SeriesList",
    "SeriesOut",
    "TargetIn",
]


class ErrorBody(BaseModel):
    error: str = Field(examples=["not_found"])
    detail: str = Field(examples=["unknown series 'store-99'"])


class SeriesOut(BaseModel):
    series_id: str
    freq: str = Field(description="pandas frequency alias: D, W-FRI, MS, ME")
    history_start: dt.date
    history_end: dt.date
    horizon_end: dt.date
    model: str = Field(description="per-series choice: prophet, or prophet+ets (equal-weight combination)")
    groups: dict[str, str] = Field(default_factory=dict, description="attribute columns, e.g. region")
    model_version: str


class SeriesList(BaseModel):
    series: list[SeriesOut]


class SeriesDetail(SeriesOut):
    backtest: dict[str, float] = Field(
        description="latest rolling origin: horizon, MASE, sMAPE, 80%/95% coverage of the calibrated bands; "
        "relative_spread: this series' band width factor against its pool (own / pooled fold spread) ** 0.25"
    )
    calibration: dict[str, object] = Field(description="the pooled error-path library this series samples from")


class ForecastPoint(BaseModel):
    ds: dt.date
    yhat: float
    lower: float
    upper: float


class ForecastResponse(BaseModel):
    series_id: str
    model_version: str
    freq: str
    level: float
    points: list[ForecastPoint]


class PeriodFields(BaseModel):
    """A period: a name (``2027-Q1``, ``2027-03``, ``2027``, ``2027-W05``) or inclusive start and end."""

    period: str | None = Field(
        None, description="named period: YYYY (fiscal year), YYYY-Qn (fiscal quarter), YYYY-MM, YYYY-Www (ISO week)"
    )
    start: dt.date | None = Field(None, description="first day of the period (inclusive)")
    end: dt.date | None = Field(None, description="last day of the period (inclusive)")

    @model_validator(mode="after")
    def _one_period(self) -> PeriodFields:
        if self.period is not None and (self.start is not None or self.end is not None):
            raise ValueError("give either period or start and end, not both")
        if self.period is None and (self.start is None or self.end is None):
            raise ValueError("a period is needed: period (e.g. 2027-Q1) or both start and end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class SubjectFields(PeriodFields):
    """Whose sales: one series, a group of series (``{}`` = all), or the total."""

    series_id: str | None = Field(None, min_length=1)
    group: dict[str, str] | None = Field(
        None, description='series whose attributes match every key, e.g. {"region": "North"}; {} = every series'
    )
    total: bool = Field(False, description="every series together (same as group {})")

    @model_validator(mode="after")
    def _one_subject(self) -> SubjectFields:
        given = [
            n
            for n, v in (("series_id", self.series_id), ("group", self.group), ("total", self.total))
            if v is not None and v is not False
        ]
        if len(given) != 1:
            raise ValueError(
                "name exactly one of series_id, group or total" + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class FeasibilityRequest(SubjectFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"series_id": "store-01", "period": "2027-Q1", "target": 2_000_000},
                {"group": {"region": "North"}, "start": "2027-01-01", "end": "2027-03-31", "target": 9_000_000},
            ]
        },
    )

    target: float = Field(gt=0, allow_inf_nan=False, description="sales to reach over the period")


class FeasibilityResponse(BaseModel):
    series_id: str | None
    group: dict[str, str] | None = Field(None, description="the group asked for ({} = every series)")
    series_count: int = Field(description="series summed (1 for a single series)")
    period: str | None
    start: dt.date
    end: dt.date
    target: float
    probability: float = Field(description="P(sum of sales over [start, end] >= target)")
    expected: float = Field(description="mean of the period total")
    p10: float
    p50: float
    p90: float
    gap: float = Field(description="target - expected (positive: expected to fall short)")
    verdict: Literal["likely", "stretch", "unlikely"]
    actual_to_date: float = Field(description="recorded sales inside the period: training history + posted actuals")
    remaining_expected: float = Field(description="expected sales over the rest of the period")
    periods_elapsed: int
    periods_remaining: int
    required_run_rate: float | None = Field(
        description="(target - actual_to_date) / periods_remaining: what must be sold per remaining period"
    )
    forecast_run_rate: float | None = Field(description="remaining_expected / periods_remaining")
    model_version: str


class ActualIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    series_id: str = Field(min_length=1)
    ds: dt.date = Field(description="the period's date on the series' grid (a day, a week's anchor, a month's date)")
    y: float = Field(allow_inf_nan=False, description="sales in that period (negative only if training allowed it)")


class ActualsBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"actuals": [{"series_id": "store-01", "ds": "2026-11-01", "y": 21450.0}]}]},
    )

    actuals: list[ActualIn] = Field(min_length=1, max_length=100_000)


class TargetIn(SubjectFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "north-q1", "group": {"region": "North"}, "period": "2027-Q1", "amount": 9e6}]
        },
    )

    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    amount: float = Field(gt=0, allow_inf_nan=False, description="sales to reach over the period")
    owner: str | None = Field(None, max_length=256)


class DecomposeRequest(PeriodFields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"target": 1.2e8, "period": "2027-Q1", "group": {}, "by": "series", "method": "equal_probability"}
            ]
        },
    )

    target: float = Field(gt=0, allow_inf_nan=False, description="the total target to split")
    group: dict[str, str] | None = Field(None, description="the series to split over ({} = every series)")
    series_ids: list[str] | None = Field(None, min_length=1, description="or an explicit list of series")
    by: Literal["series", "month", "quarter"] = "series"
    method: Literal["proportional", "equal_probability"] = "proportional"

    @model_validator(mode="after")
    def _one_scope(self) -> DecomposeRequest:
        if (self.group is None) == (self.series_ids is None):
            raise ValueError("name exactly one of group or series_ids")
        return self


class ObservationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kri: str = Field(min_length=1, examples=["returns_rate"])
    value: float = Field(description="the observed value (finite)")
    ts: dt.datetime = Field(description="when the value was observed (ISO 8601; UTC when no offset)")
    labels: dict[str, str] = Field(default_factory=dict, examples=[{"region": "west"}])


class ObservationBatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"observations": [{"kri": "returns_rate", "value": 0.15, "ts": "2026-11-22T09:00:00Z", "labels": {}}]}
            ]
        },
    )

    observations: list[ObservationIn] = Field(min_length=1, max_length=10_000)


class ReloadResponse(BaseModel):
    changed: bool = Field(description="a new champion went live with this call")
    versions: dict[str, str] = Field(description="model family -> version served after the call")
    error: str | None = Field(None, description="why the last load failed (the old model kept serving)")

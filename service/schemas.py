"""Request and response bodies of the public API (with the examples shown in /docs)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
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
    model_version: str


class SeriesList(BaseModel):
    series: list[SeriesOut]


class SeriesDetail(SeriesOut):
    backtest: dict[str, float] = Field(
        description="latest rolling origin: horizon, MASE, sMAPE, and 80%/95% coverage of the calibrated bands"
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


class FeasibilityRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"series_id": "store-01", "start": "2027-01-01", "end": "2027-03-31", "target": 2_000_000}]
        },
    )

    series_id: str = Field(min_length=1)
    start: dt.date = Field(description="first day of the period (inclusive)")
    end: dt.date = Field(description="last day of the period (inclusive)")
    target: float = Field(gt=0, allow_inf_nan=False, description="sales to reach over the period")

    @model_validator(mode="after")
    def _ordered(self) -> FeasibilityRequest:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class FeasibilityResponse(BaseModel):
    series_id: str
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
    actual_to_date: float = Field(description="recorded sales inside the period (already counted)")
    model_version: str


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

"""The body of ``GET /v1/forecast/{series_id}``: a point forecast and a central interval per period."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

__all__ = ["ForecastPoint", "ForecastResponse"]


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

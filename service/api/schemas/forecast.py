"""``GET /v1/forecast/{series_id}``: a point forecast and a central interval per period;
``POST /v1/forecast/{series_id}``: the same under a scenario."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from service.api.schemas.common import PositiveInteger, RequestBody
from service.api.schemas.plan import SCENARIO_DESCRIPTION, Scenario

__all__ = [
    "ForecastPoint",
    "ForecastResponse",
    "ScenarioForecastPoint",
    "ScenarioForecastRequest",
    "ScenarioForecastResponse",
]


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


class ScenarioForecastRequest(RequestBody):
    scenario: Scenario = Field(description=SCENARIO_DESCRIPTION)
    horizon: PositiveInteger | None = Field(None, description="periods ahead, at most the trained horizon; default all")
    level: float = Field(80.0, gt=0, lt=100, description="interval level in percent")


class ScenarioForecastPoint(ForecastPoint):
    baseline_yhat: float = Field(description="the point forecast without the scenario")


class ScenarioForecastResponse(BaseModel):
    series_id: str
    model_version: str
    freq: str
    level: float
    points: list[ScenarioForecastPoint]
    scenario_effect: float = Field(description="sum over the points of yhat - baseline_yhat")

"""The plan of drivers: ``GET /v1/plan/{series_id}``, ``PUT /v1/plan``, and the ``scenario`` a request
may carry (``POST /v1/feasibility``, ``POST /v1/targets/decompose``, ``POST /v1/forecast/{series_id}``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import Day, RequestBody

__all__ = [
    "PlanChangeIn",
    "PlanOverride",
    "PlanPoint",
    "PlanRequest",
    "PlanResponse",
    "PlanStored",
    "Scenario",
    "ScenarioBaseline",
    "ScenarioWindow",
]


class ScenarioWindow(RequestBody):
    """A regressor's value over the periods dated within [start, end] (after the history)."""

    start: Day
    end: Day
    value: float = Field(allow_inf_nan=False, description="the regressor's value there (0 or 1 for a 0/1 one)")


Scenario = dict[str, list[ScenarioWindow]]
SCENARIO_DESCRIPTION = (
    'a what-if plan for this request only, per regressor, e.g. {"promo": [{"start": "2027-01-05", '
    '"end": "2027-01-18", "value": 1}]}; the answer adds baseline and scenario_effect'
)


class ScenarioBaseline(BaseModel):
    """The same request without the scenario (the plan as stored, with its PUT /v1/plan overrides)."""

    probability: float
    expected: float
    p10: float
    p50: float
    p90: float


class PlanChangeIn(RequestBody):
    series_id: str = Field(min_length=1)
    regressor: str = Field(min_length=1, description="a regressor the model was trained with (--regressors)")
    start: Day
    end: Day
    value: float = Field(allow_inf_nan=False)


class PlanRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "changes": [
                        {
                            "series_id": "store-01",
                            "regressor": "promo",
                            "start": "2027-01-05",
                            "end": "2027-01-18",
                            "value": 1,
                        }
                    ]
                }
            ]
        },
    )

    changes: list[PlanChangeIn] = Field(min_length=1, max_length=10_000)


class PlanStored(BaseModel):
    stored: int = Field(description="(series, regressor, period) values replaced")
    series: int
    model_version: str


class PlanPoint(BaseModel):
    ds: dt.date
    values: dict[str, float] = Field(description="each regressor's planned value, overrides applied")


class PlanOverride(BaseModel):
    regressor: str
    ds: dt.date
    value: float
    trained_value: float = Field(description="the value the served model was trained with")


class PlanResponse(BaseModel):
    series_id: str
    model_version: str
    regressors: list[str]
    points: list[PlanPoint]
    overrides: list[PlanOverride] = Field(description="values replaced by PUT /v1/plan inside this horizon")

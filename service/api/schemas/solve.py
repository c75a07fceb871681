"""``POST /v1/feasibility/solve``: goal seek on one driver, the smallest change of it that reaches a
required probability of a target."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import PositiveInteger, RequestBody, SubjectFields
from service.api.schemas.plan import Scenario, ScenarioBaseline

__all__ = ["SolveBounds", "SolveRequest", "SolveResponse"]


class SolveBounds(RequestBody):
    """What the solve may set: a numeric regressor's levels (``min``, ``max``: both needed), or for a 0/1
    regressor how many periods it may switch on (``max_periods``, default every period still off)."""

    min: float | None = Field(None, allow_inf_nan=False, description="numeric: the lowest level allowed")
    max: float | None = Field(None, allow_inf_nan=False, description="numeric: the highest level allowed")
    max_periods: PositiveInteger | None = Field(None, description="0/1: at most this many periods switched on")


class SolveRequest(SubjectFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "series_id": "store-01",
                    "period": "2027-01",
                    "target": 520_000,
                    "regressor": "promo",
                    "probability": 0.7,
                    "bounds": {"max_periods": 10},
                },
                {
                    "group": {"region": "North"},
                    "period": "2027-Q1",
                    "target": 9_000_000,
                    "regressor": "price",
                    "probability": 0.6,
                    "bounds": {"min": 8.0, "max": 12.0},
                },
            ]
        },
    )

    target: float = Field(gt=0, allow_inf_nan=False, description="sales to reach over the period")
    regressor: str = Field(min_length=1, description="the driver to change, one the model was trained with")
    probability: float = Field(gt=0, lt=1, allow_inf_nan=False, description="the probability to reach, e.g. 0.7")
    bounds: SolveBounds = Field(default_factory=SolveBounds)
    scenario: Scenario | None = Field(
        None, description="a what-if plan laid over the stored one first (the other drivers held there)"
    )


class SolveResponse(BaseModel):
    """The smallest change found and the answer under it; when ``reached`` is false, the best change the
    bounds allow and its answer, and ``message`` says so."""

    series_id: str | None
    group: dict[str, str] | None = Field(None, description="the group asked for ({} = every series)")
    series_count: int
    period: str | None
    start: dt.date
    end: dt.date
    target: float
    regressor: str
    required_probability: float
    reached: bool = Field(description="whether the change reaches required_probability")
    kind: Literal["numeric", "binary"] = Field(description="numeric: a level is set; binary: 0/1 periods switched on")
    method: Literal["none", "bisection", "scan", "exhaustive", "greedy"] = Field(
        description="none: no change needed (or the driver has no fitted effect); bisection: the probability rises "
        "steadily with the level; scan: members react with opposite signs, so the bounds were scanned; exhaustive: "
        "every set of dates of each count up to the answer was tried, so no fewer periods reach it; greedy: dates "
        "taken by largest expected gain (exact on additive series)"
    )
    level: float | None = Field(description="numeric: the level to set on every period still to come (null: none)")
    current_level: float | None = Field(description="numeric: the plan's mean level over those periods")
    periods: list[dt.date] | None = Field(description="binary: the dates to switch on, the same for every member")
    changeable_periods: int = Field(description="periods the driver can change: after the history, not posted")
    probability: float = Field(description="P(period total >= target) under the change")
    expected: float
    p10: float
    p50: float
    p90: float
    baseline: ScenarioBaseline = Field(description="the answer without the change (plan, overrides, scenario)")
    message: str = Field(description="the answer in a sentence, and what to change when it is not reached")
    model_version: str

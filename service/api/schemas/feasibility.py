"""``POST /v1/feasibility``: a target for a series, a group or the total over a period, and the answer;
``POST /v1/feasibility/curve``: the probability of every target over a range."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import Integer, SubjectFields
from service.api.schemas.plan import SCENARIO_DESCRIPTION, Scenario, ScenarioBaseline

__all__ = ["Assessment", "CurvePoint", "CurveRequest", "FeasibilityRequest", "FeasibilityResponse"]


class FeasibilityRequest(SubjectFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"series_id": "store-01", "period": "2027-01", "target": 600_000},
                {"group": {"region": "North"}, "start": "2026-12-01", "end": "2027-01-31", "target": 6_000_000},
            ]
        },
    )

    target: float = Field(gt=0, allow_inf_nan=False, description="sales to reach over the period")
    scenario: Scenario | None = Field(None, description=SCENARIO_DESCRIPTION)


class Assessment(BaseModel):
    """How likely a target is and the pace it needs: the answer in a feasibility response and in a
    registered target's status."""

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


class _Question(BaseModel):
    series_id: str | None
    group: dict[str, str] | None = Field(None, description="the group asked for ({} = every series)")
    series_count: int = Field(description="series summed (1 for a single series)")
    period: str | None
    start: dt.date
    end: dt.date
    target: float


# Answer base first: pydantic lays out fields from the last base to the first, so /docs lists the
# question first, in the order the route writes it. (Docstrings here become the public schema text.)
class FeasibilityResponse(Assessment, _Question):
    """The question, its period resolved to dates, then the answer (under the scenario, if one was given)."""

    baseline: ScenarioBaseline | None = Field(None, description="with a scenario: the answer without it")
    scenario_effect: float | None = Field(None, description="with a scenario: expected - baseline.expected")


class CurveRequest(SubjectFields):
    """The feasibility question without a target: how likely is each target over a range?"""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"series_id": "store-01", "period": "2027-01", "points": 41}]},
    )

    points: Integer = Field(41, ge=2, le=501, description="how many evenly spaced targets")


class CurvePoint(BaseModel):
    """One target of the curve, from the 0.5% to the 99.5% quantile of the period total."""

    target: float
    probability: float = Field(description="P(sum of sales over the period >= target), as POST /v1/feasibility")

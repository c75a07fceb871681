"""``/v1/targets``: registered targets with their standing, and the split of a total target."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from service.api.schemas.common import PeriodFields, SubjectFields, require_one_of
from service.api.schemas.feasibility import Assessment
from service.api.schemas.plan import SCENARIO_DESCRIPTION, Scenario, ScenarioBaseline

__all__ = [
    "DecomposeRequest",
    "DecomposeResponse",
    "DecomposeTotal",
    "DecomposedPart",
    "RegisteredTarget",
    "TargetIn",
    "TargetList",
    "TargetStanding",
    "TargetStatus",
    "TargetUnassessed",
]


class TargetIn(SubjectFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "north-jan", "group": {"region": "North"}, "period": "2027-01", "amount": 3e6}]
        },
    )

    name: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    amount: float = Field(gt=0, allow_inf_nan=False, description="sales to reach over the period")
    owner: str | None = Field(None, max_length=256)


class RegisteredTarget(BaseModel):
    """A target as registered, its period resolved to dates."""

    name: str
    series_id: str | None
    group: dict[str, str] | None = Field(description="the group ({} = every series); null for a series")
    period: str | None
    start: dt.date
    end: dt.date
    amount: float
    owner: str | None
    created_at: str = Field(description="when it was registered (ISO 8601)")


class TargetStatus(Assessment, RegisteredTarget):  # answer base first: the target's fields come first
    """A registered target with its current probability, verdict and pace."""


class TargetUnassessed(RegisteredTarget):
    """A registered target the served model cannot assess (e.g. a retrained model no longer covers its period)."""

    error: str = Field(description="why there is no probability")


TargetStanding = TargetStatus | TargetUnassessed


class TargetList(BaseModel):
    targets: list[TargetStanding]


class DecomposeRequest(PeriodFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"target": 4e7, "period": "2027-01", "group": {}, "by": "series", "method": "equal_probability"}
            ]
        },
    )

    target: float = Field(gt=0, allow_inf_nan=False, description="the total target to split")
    group: dict[str, str] | None = Field(None, description="the series to split over ({} = every series)")
    series_ids: list[str] | None = Field(None, min_length=1, description="or an explicit list of series")
    by: Literal["series", "month", "quarter"] = "series"
    method: Literal["proportional", "equal_probability"] = "proportional"
    scenario: Scenario | None = Field(None, description=SCENARIO_DESCRIPTION)

    @model_validator(mode="after")
    def _one_scope(self) -> DecomposeRequest:
        if (self.group is None) == (self.series_ids is None):
            raise ValueError("name exactly one of group or series_ids")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        require_one_of(
            handler.resolve_ref_schema(schema),
            {"required": ["group"], "properties": {"group": {"type": "object"}, "series_ids": {"type": "null"}}},
            {"required": ["series_ids"], "properties": {"group": {"type": "null"}, "series_ids": {"type": "array"}}},
        )
        return schema


class DecomposeTotal(BaseModel):
    target: float
    expected: float
    probability: float = Field(description="P(the parts together reach the total target)")


class DecomposedPart(BaseModel):
    name: str = Field(description="a series id, a month (YYYY-MM) or a fiscal quarter (YYYY-Qn)")
    target: float = Field(description="this part's share of the total target")
    expected: float
    probability: float = Field(description="P(this part reaches its own target)")


class DecomposeResponse(BaseModel):
    period: str | None
    start: dt.date
    end: dt.date
    by: Literal["series", "month", "quarter"]
    method: Literal["proportional", "equal_probability"]
    series_count: int
    total: DecomposeTotal
    common_probability: float | None = Field(description="equal_probability: the probability every part shares")
    parts: list[DecomposedPart] = Field(description="the parts' targets add up to the total target")
    model_version: str
    baseline: ScenarioBaseline | None = Field(None, description="with a scenario: the total without it")
    scenario_effect: float | None = Field(None, description="with a scenario: total expected - baseline.expected")

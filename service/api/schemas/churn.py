"""``/v1/churn``: customers to score, their scores with drivers, the revenue-at-risk summary, the
outcomes that resolve scores, and the churn section of ``GET /v1/monitoring``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from service.api.schemas.common import Day, RequestBody

__all__ = [
    "MAX_CUSTOMERS",
    "ChurnDrift",
    "ChurnMonitoring",
    "ChurnOutcomeIn",
    "ChurnOutcomesRequest",
    "ChurnOutcomesStored",
    "ChurnReliabilityBin",
    "ChurnScoreRequest",
    "ChurnScoreResponse",
    "ChurnSummaryResponse",
    "CustomerScore",
    "Driver",
    "FeatureDrift",
    "SegmentSummary",
]

MAX_CUSTOMERS = 10_000

# Which features a customer has depends on the model served (a wrong type is a 422 naming it), so
# the schema fixes only the id every customer needs: a non-blank string or a number.
Customer = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "required": ["customer_id"],
            "properties": {"customer_id": {"anyOf": [{"type": "string", "pattern": "\\S"}, {"type": "number"}]}},
            "additionalProperties": True,
        }
    ),
]


class ChurnScoreRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "customers": [
                        {
                            "customer_id": "C00042",
                            "region": "North",
                            "tenure_months": 3,
                            "contract": "month-to-month",
                            "payment_method": "invoice",
                            "online_account": "no",
                            "visits_90d": 1,
                            "support_tickets": 4,
                            "total_spend": 180.0,
                            "monthly_value": 61.5,
                        }
                    ]
                }
            ]
        },
    )

    customers: list[Customer] = Field(
        min_length=1,
        max_length=MAX_CUSTOMERS,
        description="one object per customer: `customer_id` plus the features the model was trained on",
    )


class Driver(BaseModel):
    feature: str
    value: Any = Field(description="the customer's value (null: missing)")
    effect: float = Field(description="probability minus the probability with this feature at a typical value")
    direction: Literal["raises", "lowers"]


class CustomerScore(BaseModel):
    customer_id: str
    probability: float = Field(description="calibrated probability of churning")
    risk_band: Literal["low", "medium", "high"]
    drivers: list[Driver] = Field(description="the (up to) 3 features that move this customer's risk most")


class ChurnScoreResponse(BaseModel):
    model_version: str
    scores: list[CustomerScore]
    warnings: list[str] = Field(description="ignored unknown fields, imputed missing features")


class SegmentSummary(BaseModel):
    segment: str | None
    customers: int
    mean_probability: float
    revenue_at_risk: float | None
    risk_bands: dict[str, int]


class ChurnSummaryResponse(BaseModel):
    model_version: str
    customers: int
    mean_probability: float
    value_column: str | None
    revenue_at_risk: float | None = Field(description="sum of churn probability x value (currency units)")
    risk_bands: dict[str, int]
    segment_column: str | None
    by_segment: list[SegmentSummary]
    warnings: list[str]


class ChurnOutcomeIn(RequestBody):
    customer_id: str | int = Field(description="the id the customer was scored under (a number is read as its text)")
    churned: bool = Field(description="whether the customer had left by `as_of`")
    as_of: Day = Field(description="when the outcome was known; it resolves the latest score given on or before it")


class ChurnOutcomesRequest(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"outcomes": [{"customer_id": "C00042", "churned": True, "as_of": "2026-12-31"}]}]
        },
    )

    outcomes: list[ChurnOutcomeIn] = Field(min_length=1, max_length=MAX_CUSTOMERS)


class ChurnOutcomesStored(BaseModel):
    resolved: int = Field(description="outcomes stored, each resolving one score")
    churned: int = Field(description="of them, customers who left")
    by_source: dict[str, int] = Field(
        description="resolved scores by where they were given: `training` (the served model's training "
        "population) or `score` (POST /v1/churn/score)"
    )
    model_versions: list[str] = Field(description="the churn model versions that gave the resolved scores")
    total_outcomes: int = Field(description="outcomes kept in all (bounded by SENTINEL_CHURN_RECORDS_CAP)")


class ChurnReliabilityBin(BaseModel):
    bin: int = Field(description="equal-width probability bin, 0 = [0, 0.1) ... 9 = [0.9, 1]")
    count: int
    forecast: float = Field(description="mean churn probability given in the bin")
    observed: float = Field(description="share of the bin's customers who churned")


class FeatureDrift(BaseModel):
    feature: str
    kind: Literal["numeric", "boolean", "categorical"]
    psi: float = Field(description="population stability index, training population vs scored customers")
    level: Literal["stable", "moderate", "significant"] = Field(description="< 0.1, 0.1-0.25, > 0.25")


class ChurnDrift(BaseModel):
    model_version: str = Field(description="the served churn model, whose training population is compared")
    since: dt.datetime = Field(description="customers scored (latest score) at or after this time are compared")
    scored: int = Field(description="customers scored in that window")
    features: list[FeatureDrift] = Field(description="largest PSI first; empty when nobody was scored")
    max_psi: float | None
    unprofiled: list[str] = Field(description="features the model holds no training profile of (retrain to add)")


class ChurnMonitoring(BaseModel):
    model_version: str | None = Field(description="the churn model served now (null: none loaded)")
    since: dt.date | None = Field(description="outcomes dated on or after this count (null: all kept)")
    resolved: int = Field(description="scores resolved by an outcome")
    churned: int
    churn_rate: float | None
    mean_probability: float | None = Field(description="mean churn probability the resolved scores gave")
    roc_auc: float | None = Field(description="realised ROC AUC (null until both outcomes occur)")
    brier: float | None
    ece: float | None = Field(description="expected calibration error over the reliability bins")
    reliability: list[ChurnReliabilityBin]
    drift: ChurnDrift | None = Field(description="feature drift (null without a churn model)")
    warnings: list[str]

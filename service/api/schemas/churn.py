"""``/v1/churn``: customers to score, their scores with drivers, and the revenue-at-risk summary."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from service.api.schemas.common import RequestBody

__all__ = [
    "MAX_CUSTOMERS",
    "ChurnScoreRequest",
    "ChurnScoreResponse",
    "ChurnSummaryResponse",
    "CustomerScore",
    "Driver",
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

"""``GET /v1/models``: the model versions the service serves, and the last retrain run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ChurnServed", "ForecastServed", "ServedModels"]


class ForecastServed(BaseModel):
    version: str
    trained_at: str = Field(description="when the version was trained (ISO 8601)")
    series: int
    horizon: int = Field(description="forecast horizon in periods")
    freq: str = Field(description="pandas frequency alias: D, W-FRI, MS, ME")


class ChurnServed(BaseModel):
    version: str
    trained_at: str = Field(description="when the version was trained (ISO 8601)")
    customers: int = Field(description="customers in the population scored at training")


class ServedModels(BaseModel):
    forecast: ForecastServed | None = Field(description="null until a forecast champion is loaded")
    churn: ChurnServed | None = Field(description="null when no churn model is loaded")
    last_retrain: dict[str, Any] | None = Field(
        description="the registry's record of the last successful `sentinel retrain` run "
        "(run_id, jobs, finished_at, ...), null when there was none"
    )

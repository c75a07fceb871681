"""The body of ``GET /v1/monitoring``: how the served models' stated distributions and probabilities
came true against what was posted since (forecast accountability)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.churn import ChurnMonitoring

__all__ = ["Coverage", "ForecastMonitoring", "GroupMonitoring", "MonitoringResponse", "ReliabilityBin",
           "TargetMonitoring"]  # fmt: skip


class Coverage(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    p50: float | None = Field(alias="50", description="share of scored actuals inside the central 50% band")
    p80: float | None = Field(alias="80", description="... inside the 80% band (GET /v1/forecast?level=80)")
    p95: float | None = Field(alias="95", description="... inside the 95% band")


class ForecastMonitoring(BaseModel):
    periods_scored: int = Field(description="posted actuals scored against the model's distribution for their period")
    series: int = Field(description="series with at least one scored period")
    coverage: Coverage
    pit_histogram: list[float] = Field(
        description="share of PIT values in each tenth of [0, 1]; flat (0.1 each) when the distribution is honest. "
        "PIT = (#samples < y + ½ #samples = y) / n over the calibrated paths of the period's step, as trained"
    )
    bias: float | None = Field(description="Σ(yhat − y) / Σ|y|: + = forecasts too high")
    mase: float | None = Field(
        description="mean |yhat − y| / s, s = the in-sample MAE of the seasonal naive forecast of the series' history"
    )


class ReliabilityBin(BaseModel):
    bin: int = Field(description="probability bin 0..9 ([0, 0.1), ..., [0.9, 1])")
    count: int
    forecast: float = Field(description="mean probability given")
    observed: float = Field(description="share of those targets that were hit")


class TargetMonitoring(BaseModel):
    resolved: int = Field(description="registered targets whose period is fully recorded")
    forecasts: int = Field(description="probabilities given for them while open (at registration and KRI evaluations)")
    hit_rate: float | None
    brier: float | None = Field(description="mean (probability − hit)² over every probability given")
    brier_at_registration: float | None
    ece: float | None = Field(description="expected calibration error over 10 probability bins")
    reliability: list[ReliabilityBin]


class GroupMonitoring(BaseModel):
    forecast: ForecastMonitoring
    targets: TargetMonitoring


class MonitoringResponse(BaseModel):
    model_version: str = Field(description="the model version whose scores these are (default: the served one)")
    series_id: str | None
    group: dict[str, str] | None
    since: dt.date | None
    forecast: ForecastMonitoring
    targets: TargetMonitoring
    churn: ChurnMonitoring = Field(
        description="churn scores against the outcomes posted (POST /v1/churn/outcomes) and feature drift"
    )
    groups: dict[str, dict[str, GroupMonitoring]] = Field(
        description="the same figures per group column and value (within the series or group asked for)"
    )

"""What the served forecast model covers: its series (``/v1/series``) and their groups (``/v1/groups``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["GroupList", "GroupValue", "RegressorEffect", "SeriesDetail", "SeriesList", "SeriesOut"]


class SeriesOut(BaseModel):
    series_id: str
    freq: str = Field(description="pandas frequency alias: D, W-FRI, MS, ME")
    history_start: dt.date
    history_end: dt.date
    horizon_end: dt.date
    model: str = Field(
        description="per-series choice: prophet, or prophet+ets (Prophet combined with AutoETS; "
        "the detail shows the weight)"
    )
    groups: dict[str, str] = Field(default_factory=dict, description="attribute columns, e.g. region")
    model_version: str


class SeriesList(BaseModel):
    series: list[SeriesOut]


class RegressorEffect(BaseModel):
    mode: Literal["additive", "multiplicative"] = Field(description="the series' seasonality mode")
    coef: float = Field(
        description="per unit of the regressor: multiplicative, the relative change of the trend (0.21 = +21%); "
        "additive, sales units (Prophet's regressor_coefficients)"
    )
    center: float = Field(description="the regressor value of no effect (its mean when Prophet standardised it)")
    fitted: bool = Field(description="false when the regressor was constant over the fitted window (no effect)")
    effect: str = Field(examples=["+21.3% per unit"])


class SeriesDetail(SeriesOut):
    prophet_weight: float = Field(
        description="Prophet's share of the point forecast (1, 0.5, 0.25 or 0), AutoETS's the rest: "
        "the per-series choice of the lowest rolling-origin MASE"
    )
    backtest: dict[str, float] = Field(
        description="latest rolling origin: horizon, MASE, sMAPE, 80%/95% coverage of the calibrated bands; "
        "relative_spread: this series' band width factor against its pool (own / pooled fold spread) ** 0.25"
    )
    calibration: dict[str, object] = Field(description="the pooled error-path library this series samples from")
    effects: dict[str, RegressorEffect] = Field(
        default_factory=dict,
        description="per regressor (training's --regressors) its fitted effect; absent for a model without drivers",
    )


class GroupValue(BaseModel):
    value: str = Field(examples=["North"])
    series: int = Field(description="how many series hold this value")


class GroupList(BaseModel):
    columns: dict[str, list[GroupValue]] = Field(
        description="each group column (training's --group-cols) with its values, sorted"
    )
    total_series: int
    model_version: str

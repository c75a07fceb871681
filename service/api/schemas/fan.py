"""``POST /v1/fan``: fan-chart data of a series, a group or the total."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import Integer, Subject

__all__ = ["Band", "FanActual", "FanBands", "FanPoint", "FanRequest", "FanResponse", "FanValue"]


class FanRequest(Subject):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"series_id": "store-01", "history_periods": 120}, {"group": {"region": "North"}}]
        },
    )

    history_periods: Integer = Field(120, ge=0, description="how many periods of history to include")


class FanValue(BaseModel):
    ds: dt.date
    y: float = Field(description="the members' recorded sales of that period, summed")


class FanActual(FanValue):
    series: int = Field(description="how many member series posted an actual for that date")


class Band(BaseModel):
    lower: float
    upper: float


class FanBands(BaseModel):
    """Central bands of the summed joint sample paths, by level in percent."""

    model_config = ConfigDict(populate_by_name=True)

    p50: Band = Field(alias="50")
    p80: Band = Field(alias="80")
    p95: Band = Field(alias="95")


class FanPoint(BaseModel):
    ds: dt.date
    mean: float = Field(description="mean of the summed sample paths")
    p50: float = Field(description="their median")
    bands: FanBands


class FanResponse(BaseModel):
    """Recent history, posted actuals and the forecast's quantiles; a sum's are read off the joint
    paths summed sample by sample. The paths are not conditioned on the posted actuals here."""

    series_id: str | None
    group: dict[str, str] | None = Field(description="the group asked for ({} = every series)")
    series_count: int = Field(description="series summed (1 for a single series)")
    model_version: str
    freq: str = Field(description="pandas frequency alias: D, W-FRI, MS, ME")
    history: list[FanValue] = Field(description="the last history_periods periods of training history")
    actuals: list[FanActual] = Field(description="sales posted after the training history (POST /v1/actuals)")
    forecast: list[FanPoint]

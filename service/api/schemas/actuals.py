"""``POST /v1/actuals``: sales recorded after the training history, and what was stored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import Day, RequestBody

__all__ = ["ActualIn", "ActualsBatch", "ActualsStored"]


class ActualIn(RequestBody):
    series_id: str = Field(min_length=1)
    ds: Day = Field(description="the period's date on the series' grid (a day, a week's anchor, a month's date)")
    y: float = Field(allow_inf_nan=False, description="sales in that period (negative only if training allowed it)")


class ActualsBatch(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"actuals": [{"series_id": "store-01", "ds": "2026-11-01", "y": 21450.0}]}]},
    )

    actuals: list[ActualIn] = Field(min_length=1, max_length=100_000)


class ActualsStored(BaseModel):
    stored: int = Field(description="actuals written (a repeated series and date replaces the earlier value)")
    series: int = Field(description="distinct series among them")
    model_version: str = Field(description="the forecast model the batch was checked against")

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.deps import Forecasts
from service.schemas import ErrorBody, ForecastResponse

router = APIRouter(prefix="/v1", tags=["forecast"])


@router.get(
    "/forecast/{series_id}",
    response_model=ForecastResponse,
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    summary="Point forecast and central interval per period",
)
def forecast(
    series_id: str,
    model: Forecasts,
    horizon: Annotated[int | None, Query(ge=1, description="periods ahead (default: the trained horizon)")] = None,
    level: Annotated[float, Query(gt=0, lt=100, description="interval level in percent")] = 80.0,
) -> dict[str, object]:
    # A sync route: the first request per (series, level) computes quantiles over the
    # sample paths, which is CPU work that belongs in the thread pool.
    columns = model.forecast(series_id, horizon, level)
    return {
        "series_id": series_id,
        "model_version": model.version,
        "freq": model.freq.alias,
        "level": level,
        "points": [
            {"ds": ds, "yhat": yhat, "lower": lo, "upper": hi}
            for ds, yhat, lo, hi in zip(columns["ds"], columns["yhat"], columns["lower"], columns["upper"], strict=True)
        ],
    }

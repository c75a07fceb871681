from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic_core import to_json

from service.api.schemas.common import error_responses
from service.api.schemas.forecast import ForecastResponse
from service.auth import ReadKey
from service.deps import Forecasts

router = APIRouter(prefix="/v1", tags=["forecast"])


@router.get(
    "/forecast/{series_id}",
    response_model=ForecastResponse,
    responses=error_responses(404, 422, 503),
    summary="Point forecast and central interval per period",
)
async def forecast(
    _: ReadKey,
    series_id: str,
    model: Forecasts,
    horizon: Annotated[
        int | None,
        Query(
            ge=1,
            description="periods ahead, at most the trained horizon (`horizon` of GET /v1/models; more is a 422 "
            "out_of_range); default: all of it",
        ),
    ] = None,
    level: Annotated[float, Query(gt=0, lt=100, description="interval level in percent")] = 80.0,
) -> Response:
    # The first request per (series, level) computes quantiles over the sample paths (a few
    # ms of CPU): that goes to a worker thread. Later ones are a cached lookup, answered on the
    # event loop, because thread-pool hops under load cost far more than the lookup.
    if model.has_bands(series_id, level):
        columns = model.forecast(series_id, horizon, level)
    else:
        columns = await asyncio.to_thread(model.forecast, series_id, horizon, level)
    points = [
        {"ds": ds, "yhat": yhat, "lower": lo, "upper": hi}
        for ds, yhat, lo, hi in zip(columns["ds"], columns["yhat"], columns["lower"], columns["upper"], strict=True)
    ]
    content = {
        "series_id": series_id,
        "model_version": model.version,
        "freq": model.freq.alias,
        "level": level,
        "points": points,
    }
    return Response(to_json(content), media_type="application/json")

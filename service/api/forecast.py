from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic_core import to_json

from models.forecast.scenario import override_change, request_changes, shifted_forecast
from service.api.plan import windows
from service.api.schemas.common import error_responses
from service.api.schemas.forecast import ForecastResponse, ScenarioForecastRequest, ScenarioForecastResponse
from service.auth import ReadKey
from service.deps import Forecasts, Planning, Store, services_of

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
    request: Request,
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
    planning = services_of(request.app).planning  # not a dependency: each costs ~8 us of FastAPI's solving
    change = override_change(model, planning.plans, [series_id]) if planning.plans else None
    if change:  # planned values replaced by PUT /v1/plan: the bands follow them (models.forecast.scenario)
        columns = await asyncio.to_thread(shifted_forecast, model, series_id, horizon, level, change)
    elif model.has_bands(series_id, level):
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


@router.post(
    "/forecast/{series_id}",
    response_model=ScenarioForecastResponse,
    responses=error_responses(404, 422, 503),
    summary="Point forecast and central interval per period under a scenario, with the baseline forecast",
)
def forecast_scenario(
    _: ReadKey, series_id: str, body: ScenarioForecastRequest, store: Store, planning: Planning
) -> dict[str, Any]:
    model = store.require_forecast()
    model.info(series_id)  # NotFound naming the series
    base, scenario = request_changes(model, planning.plans, [series_id], windows(body.scenario))
    assert scenario is not None
    plain = shifted_forecast(model, series_id, body.horizon, body.level, base or {})
    columns = shifted_forecast(model, series_id, body.horizon, body.level, scenario)
    points = [
        {"ds": ds, "yhat": yhat, "lower": lo, "upper": hi, "baseline_yhat": b}
        for ds, yhat, lo, hi, b in zip(
            columns["ds"], columns["yhat"], columns["lower"], columns["upper"], plain["yhat"], strict=True
        )
    ]
    return {
        "series_id": series_id,
        "model_version": model.version,
        "freq": model.freq.alias,
        "level": body.level,
        "points": points,
        "scenario_effect": float(sum(columns["yhat"]) - sum(plain["yhat"])),
    }

"""``POST /v1/fan``: what a fan chart of a series, a group or the total draws."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic_core import to_json

from models.forecast.scenario import override_change, shifted_fan
from models.planning.pace import subject_ids
from service.api.schemas.common import error_responses
from service.api.schemas.fan import FanRequest, FanResponse
from service.auth import ReadKey
from service.deps import Planning, Store

router = APIRouter(prefix="/v1", tags=["forecast"])


@router.post(
    "/fan",
    response_model=FanResponse,
    responses=error_responses(404, 422, 503),
    summary="Fan chart of a series, a group or the total: history, posted actuals, mean, median, 50/80/95% bands",
)
def fan(_: ReadKey, body: FanRequest, store: Store, planning: Planning) -> Response:
    # A sync route: a total sums every member's paths and sorts the result per date (ms of CPU).
    # The body is serialised from plain values; tests/service/test_openapi_contract.py checks it.
    # The bands follow the plan as PUT /v1/plan left it, like GET /v1/forecast and feasibility.
    model = store.require_forecast()
    group = {} if body.total else body.group
    ids = subject_ids(model, body.series_id, group)
    change = override_change(model, planning.plans, ids)
    if change:
        chart = shifted_fan(model, ids, body.history_periods, planning.posted, change)
    else:
        chart = model.fan(ids, body.history_periods, planning.posted)
    day = dt.date.fromordinal
    bands = {level: (lower.tolist(), upper.tolist()) for level, (lower, upper) in chart.bands.items()}
    forecast = [
        {
            "ds": day(d),
            "mean": mean,
            "p50": p50,
            "bands": {str(level): {"lower": lo[k], "upper": hi[k]} for level, (lo, hi) in bands.items()},
        }
        for k, (d, mean, p50) in enumerate(zip(chart.days, chart.mean.tolist(), chart.p50.tolist(), strict=True))
    ]
    content = {
        "series_id": body.series_id,
        "group": group,
        "series_count": len(ids),
        "model_version": model.version,
        "freq": model.freq.alias,
        "history": [{"ds": day(d), "y": y} for d, y in zip(chart.history_days, chart.history.tolist(), strict=True)],
        "actuals": [
            {"ds": day(d), "y": y, "series": n}
            for d, y, n in zip(chart.actual_days, chart.actuals.tolist(), chart.actual_series, strict=True)
        ],
        "forecast": forecast,
    }
    return Response(to_json(content), media_type="application/json")

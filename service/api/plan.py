"""``/v1/plan``: the drivers' plan the served model forecasts with, and overrides of it (no retraining)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter

from models.forecast.scenario import Window, override_change, override_rows, require_drivers
from service.api.schemas.common import error_responses
from service.api.schemas.plan import PlanRequest, PlanResponse, PlanStored, Scenario
from service.auth import ReadKey, WriteKey
from service.deps import Forecasts, Planning, Store, Wake

router = APIRouter(prefix="/v1", tags=["planning"])

__all__ = ["router", "windows"]


def windows(scenario: Scenario | None) -> dict[str, list[Window]] | None:
    """A request's scenario as plain (start, end, value) windows per regressor."""
    if scenario is None:
        return None
    return {r: [(w.start, w.end, w.value) for w in ws] for r, ws in scenario.items()}


@router.get(
    "/plan/{series_id}",
    response_model=PlanResponse,
    responses=error_responses(404, 422, 503),
    summary="The drivers' plan over a series' horizon, with the values PUT /v1/plan replaced",
)
def get_plan(_: ReadKey, series_id: str, model: Forecasts, planning: Planning) -> dict[str, Any]:
    drivers = require_drivers(model)
    info = model.info(series_id)  # NotFound naming the series
    i = model.infos.index(info)
    change = override_change(model, planning.plans, [series_id]).get(series_id, {})
    dates, planned = drivers.dates(i), drivers.plan[i]
    points = []
    for step, day in enumerate(dates):
        values = {r: change.get(r, {}).get(step, float(planned[k, step])) for k, r in enumerate(drivers.regressors)}
        points.append({"ds": day, "values": values})
    overrides = [
        {"regressor": r, "ds": dates[step], "value": value, "trained_value": float(planned[k, step])}
        for k, r in enumerate(drivers.regressors)
        for step, value in sorted(change.get(r, {}).items())
    ]
    return {
        "series_id": series_id,
        "model_version": model.version,
        "regressors": list(drivers.regressors),
        "points": points,
        "overrides": overrides,
    }


@router.put(
    "/plan",
    response_model=PlanStored,
    responses=error_responses(422, 503),
    summary="Replace planned driver values for future periods (all or nothing; kept across restarts)",
)
async def put_plan(_: WriteKey, body: PlanRequest, store: Store, planning: Planning, wake: Wake) -> dict[str, Any]:
    model = store.require_forecast()
    items = [(c.series_id, c.regressor, c.start, c.end, c.value) for c in body.changes]
    rows = override_rows(model, items)  # InvalidInput naming every problem: nothing stored
    await asyncio.to_thread(planning.upsert_plan, rows, dt.datetime.now(dt.UTC))
    wake.set()  # target KRIs see the new plan
    return {"stored": len(rows), "series": len({r[0] for r in rows}), "model_version": model.version}

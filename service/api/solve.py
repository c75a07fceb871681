"""``POST /v1/feasibility/solve``: goal seek on a driver (``models.planning.solve``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from models.forecast.scenario import request_changes, require_drivers
from models.planning.pace import resolve_period, subject_ids
from models.planning.solve import Bounds, goal_seek
from service.api.plan import windows
from service.api.schemas.common import error_responses
from service.api.schemas.solve import SolveRequest, SolveResponse
from service.auth import ReadKey
from service.deps import AllServices

router = APIRouter(prefix="/v1", tags=["feasibility"])

__all__ = ["router"]


@router.post(
    "/feasibility/solve",
    response_model=SolveResponse,
    responses=error_responses(404, 422, 503),
    summary="Goal seek: the smallest change of one driver over a period that reaches a probability of a target",
)
def solve_target(_: ReadKey, body: SolveRequest, services: AllServices) -> dict[str, Any]:
    # A def route (thread pool): a solve evaluates the period total tens of times, ~1-30 ms.
    model = services.models.require_forecast()
    start, end = resolve_period(body.period, body.start, body.end, services.settings.fiscal_year_start_month)
    group = {} if body.total else body.group
    ids = subject_ids(model, body.series_id, group)
    require_drivers(model)  # before the scenario: a version without drivers says to retrain, whatever was asked
    base, scenario = request_changes(model, services.planning.plans, ids, windows(body.scenario))
    bounds = Bounds(body.bounds.min, body.bounds.max, body.bounds.max_periods)
    found = goal_seek(
        model,
        ids,
        start,
        end,
        body.target,
        body.regressor,
        body.probability,
        bounds,
        posted=services.planning.posted,
        change=scenario or base,  # the plan as PUT /v1/plan left it, under the scenario if one is given
        cutoffs=services.cutoffs,
    )
    answer, baseline = found.answer, found.baseline
    return {
        "series_id": body.series_id,
        "group": group,
        "series_count": len(ids),
        "period": body.period,
        "start": start,
        "end": end,
        "target": body.target,
        "regressor": body.regressor,
        "required_probability": body.probability,
        "reached": found.reached,
        "kind": found.kind,
        "method": found.method,
        "level": found.level,
        "current_level": found.current_level,
        "periods": found.periods,
        "changeable_periods": found.changeable,
        **{k: getattr(answer, k) for k in ("probability", "expected", "p10", "p50", "p90")},
        "baseline": {k: getattr(baseline, k) for k in ("probability", "expected", "p10", "p50", "p90")},
        "message": found.message,
        "model_version": model.version,
    }

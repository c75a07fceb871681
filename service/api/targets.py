from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import numpy as np
from fastapi import APIRouter, Response

from models.forecast.scenario import request_changes, shifted_parts
from models.planning.decomposition import decompose
from models.planning.feasibility import assess
from models.planning.pace import resolve_period, subject_ids
from models.planning.periods import month_ranges, quarter_ranges
from models.planning.targets import StoredTarget, target_status
from service.api.plan import windows
from service.api.schemas.common import error_responses
from service.api.schemas.targets import DecomposeRequest, DecomposeResponse, TargetIn, TargetList, TargetStanding
from service.auth import ReadKey, WriteKey
from service.deps import Accounts, Config, Cutoffs, Forecasts, Planning, Store, Wake

router = APIRouter(prefix="/v1/targets", tags=["planning"])


@router.post(
    "/decompose",
    response_model=DecomposeResponse,
    response_model_exclude_unset=True,  # baseline and scenario_effect only with a scenario
    responses=error_responses(404, 422, 503),
    summary="Split a total target over series, months or quarters",
)
def decompose_target(
    _: ReadKey, body: DecomposeRequest, store: Store, planning: Planning, settings: Config
) -> dict[str, Any]:
    model = store.require_forecast()
    fiscal = settings.fiscal_year_start_month
    start, end = resolve_period(body.period, body.start, body.end, fiscal)
    if body.series_ids is not None:
        ids = list(dict.fromkeys(body.series_ids))
        for sid in ids:
            model.info(sid)  # NotFound naming an unknown series
    else:
        ids = model.members(body.group or {})
    for sid in ids:  # a period outside the horizon is named as asked, not as one of its months
        model.period_sum(sid, start, end)
    if body.by == "series":
        names = ids
        parts = [([sid], start, end) for sid in ids]
    else:
        ranges = month_ranges(start, end) if body.by == "month" else quarter_ranges(start, end, fiscal)
        names = [name for name, _ in ranges]
        parts = [(ids, a, b) for _, (a, b) in ranges]
    base, scenario = request_changes(model, planning.plans, ids, windows(body.scenario))
    change = scenario or base  # the plan as PUT /v1/plan left it, under the scenario if one is given
    sums = shifted_parts(model, parts, planning.posted, change) if change else model.pace_parts(parts, planning.posted)
    result = decompose(names, np.stack([s.totals for s in sums]), body.target, body.method)
    extra: dict[str, Any] = {}
    if scenario is not None:  # the total without the scenario, from the same joint samples
        plain = shifted_parts(model, parts, planning.posted, base) if base else model.pace_parts(parts, planning.posted)
        baseline = assess(np.sum([s.totals for s in plain], axis=0), body.target)
        extra["baseline"] = {k: getattr(baseline, k) for k in ("probability", "expected", "p10", "p50", "p90")}
        extra["scenario_effect"] = result.total_expected - baseline.expected
    return {
        "period": body.period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "by": body.by,
        "method": result.method,
        "series_count": len(ids),
        "total": {
            "target": result.total_target,
            "expected": result.total_expected,
            "probability": result.total_probability,
        },
        "common_probability": None if result.common_probability is None else round(result.common_probability, 4),
        "parts": [p.__dict__ for p in result.parts],
        "model_version": model.version,
        **extra,
    }


@router.post(
    "",
    status_code=201,
    response_model=TargetStanding,
    responses=error_responses(404, 422, 503),
    summary="Register a named target (series or group, period)",
)
def register_target(
    _: WriteKey,
    body: TargetIn,
    store: Store,
    planning: Planning,
    cutoffs: Cutoffs,
    settings: Config,
    accounts: Accounts,
    wake: Wake,
) -> dict[str, Any]:
    model = store.require_forecast()
    start, end = resolve_period(body.period, body.start, body.end, settings.fiscal_year_start_month)
    group = {} if body.total else body.group
    target = StoredTarget(
        name=body.name,
        series_id=body.series_id,
        group=group,
        period=body.period,
        start=start,
        end=end,
        amount=body.amount,
        owner=body.owner,
        created_at=dt.datetime.now(dt.UTC),
    )
    # Checked against the served model first: an unknown series or group or a period outside
    # the horizon is refused rather than stored as a target that can never be assessed.
    ids = subject_ids(model, target.series_id, target.group)
    model.pace_sum(ids, start, end)
    planning.add_target(target)
    status = target_status(model, target, cutoffs, planning.posted, planning.plans)
    accounts.registered(model, target, status)  # the probability stated at registration, kept
    wake.set()
    return status


@router.get(
    "",
    response_model=TargetList,
    responses=error_responses(503),
    summary="Registered targets with their current probability, verdict and pace",
)
def list_targets(_: ReadKey, model: Forecasts, planning: Planning, cutoffs: Cutoffs) -> dict[str, Any]:
    posted, plans = planning.posted, planning.plans
    return {"targets": [target_status(model, t, cutoffs, posted, plans) for t in planning.list_targets()]}


@router.delete("/{name}", status_code=204, responses=error_responses(404), summary="Remove a registered target")
async def delete_target(_: WriteKey, name: str, planning: Planning, wake: Wake) -> Response:
    await asyncio.to_thread(planning.delete_target, name)
    wake.set()
    return Response(status_code=204)

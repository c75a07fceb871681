from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from pydantic_core import to_json

from models.forecast.scenario import override_change, request_changes, shifted_parts
from models.planning.feasibility import spread, target_curve
from models.planning.pace import pace_answer, pace_fields, period_totals, plain_totals, resolve_period, subject_ids
from service.api.direct import DirectRoute
from service.api.plan import windows
from service.api.schemas.common import error_responses
from service.api.schemas.feasibility import CurvePoint, CurveRequest, FeasibilityRequest, FeasibilityResponse
from service.auth import HEADER, ReadKey, authorize, inline_key
from service.deps import AllServices, Services, services_of

router = APIRouter(prefix="/v1", tags=["feasibility"])


def _inlined(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """A model's JSON Schema with its ``$defs`` (the scenario's window) written in place of their refs."""
    if defs is None:
        defs = schema.pop("$defs", {}) if isinstance(schema, dict) else {}
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inlined(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inlined(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inlined(v, defs) for v in schema]
    return schema


# The body and the key are declared here for the OpenAPI docs, and both are checked in the route (see below).
_BODY_AND_KEY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inlined(FeasibilityRequest.model_json_schema())}},
    },
    **inline_key("read", read=True),
}


async def feasibility(request: Request) -> Response:
    # The hot path of the service, kept lean on purpose (bench/serve.py measures it):
    # - a DirectRoute (service.api.direct): called with the request, no FastAPI handler around it;
    # - async: for one series without posted actuals the work is a difference of two
    #   cumulative-sum rows and a sort of ~1000 samples, cheaper than a thread-pool hop;
    # - the body is parsed by pydantic straight from bytes (Rust JSON parser) rather than
    #   by FastAPI's json.loads + dependency solving, and the answer is serialised by
    #   pydantic-core from plain floats: together about half the request's framework cost;
    # - no dependency: the collaborators are read off the app (services_of) and the key is checked
    #   inline, only read at all when reads need one; each dependency costs ~12-15 us here;
    # - FastAPI does not check a returned Response against response_model, so
    #   tests/service/test_openapi_contract.py checks real bodies against the declared schema.
    services = services_of(request.app)
    if services.settings.require_auth_for_reads:
        authorize(request.headers.get(HEADER), services.api_keys, "read")
    try:
        body = FeasibilityRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None
    model = services.models.require_forecast()
    start, end = resolve_period(body.period, body.start, body.end, services.settings.fiscal_year_start_month)
    group = {} if body.total else body.group
    ids = subject_ids(model, body.series_id, group)
    plans = services.planning.plans
    if body.scenario is None and not (plans and any(sid in plans for sid in ids)):
        answer = pace_answer(
            model, ids, start, end, body.target, services.cutoffs, services.planning.posted, cache=services.spreads
        )
    elif len(ids) == 1:  # a changed plan (PUT /v1/plan) or a scenario: ~0.2 ms a series, less than a thread hop
        answer = _planned_answer(services, ids, start, end, body)
    else:  # ~4 ms the 24-store total (each member's change): off the loop
        answer = await asyncio.to_thread(_planned_answer, services, ids, start, end, body)
    content = {
        "series_id": body.series_id,
        "group": group,
        "series_count": len(ids),
        "period": body.period,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "target": body.target,
        **answer,
        "model_version": model.version,
    }
    return Response(to_json(content), media_type="application/json")


router.add_api_route(
    "/feasibility",
    feasibility,
    methods=["POST"],
    response_model=FeasibilityResponse,
    responses=error_responses(404, 422, 503),
    openapi_extra=_BODY_AND_KEY,
    summary="Probability of reaching a sales target over a period, for a series, a group or the total",
    route_class_override=DirectRoute,
)


def _planned_answer(
    services: Services, ids: list[str], start: dt.date, end: dt.date, body: FeasibilityRequest
) -> dict[str, Any]:
    """The answer under the stored plan overrides, and with a scenario its baseline and effect too.

    With a scenario the trained plan's period totals are read once (for one series without posted
    actuals, with their spread, from ``services.spreads``), and the baseline (the stored overrides)
    and the scenario each shift those same samples.
    """
    model, posted, cutoffs = services.models.require_forecast(), services.planning.posted, services.cutoffs
    base, scenario = request_changes(model, services.planning.plans, ids, windows(body.scenario))
    if scenario is None:
        return pace_answer(model, ids, start, end, body.target, cutoffs, posted, base, services.spreads)
    parts = [(ids, start, end)]
    trained, known = plain_totals(model, ids, start, end, posted, services.spreads)
    if base:
        known = spread(shifted_parts(model, parts, posted, base, [trained])[0].totals)
    baseline = (known or spread(trained.totals)).assess(body.target, cutoffs)
    answer = pace_fields(shifted_parts(model, parts, posted, scenario, [trained])[0], body.target, cutoffs)
    answer["baseline"] = {k: getattr(baseline, k) for k in ("probability", "expected", "p10", "p50", "p90")}
    answer["scenario_effect"] = answer["expected"] - baseline.expected
    return answer


@router.post(
    "/feasibility/curve",
    response_model=list[CurvePoint],
    responses=error_responses(404, 422, 503),
    summary="P(period total >= target) over a range of targets, from the same joint paths as feasibility",
)
def feasibility_curve(_: ReadKey, body: CurveRequest, services: AllServices) -> Response:
    # The same period totals as POST /v1/feasibility (posted actuals counted and conditioned on),
    # so the curve at a target is that route's probability for it.
    model = services.models.require_forecast()
    start, end = resolve_period(body.period, body.start, body.end, services.settings.fiscal_year_start_month)
    ids = subject_ids(model, body.series_id, {} if body.total else body.group)
    change = override_change(model, services.planning.plans, ids) or None  # the plan as PUT /v1/plan left it
    totals = period_totals(model, ids, start, end, services.planning.posted, change).totals
    targets, probabilities = target_curve(totals, body.points)
    points = [{"target": x, "probability": p} for x, p in zip(targets.tolist(), probabilities.tolist(), strict=True)]
    return Response(to_json(points), media_type="application/json")

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.planning import pace_answer, resolve_period, subject_ids
from service.schemas import ErrorBody, FeasibilityRequest, FeasibilityResponse

router = APIRouter(prefix="/v1", tags=["feasibility"])


@router.post(
    "/feasibility",
    response_model=FeasibilityResponse,
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    summary="Probability of reaching a sales target over a period, for a series, a group or the total",
)
async def feasibility(body: FeasibilityRequest, request: Request) -> JSONResponse:
    # The hot path of the service, kept lean on purpose (bench/serve.py measures it):
    # - async: for one series without posted actuals the work is a difference of two
    #   cumulative-sum rows and a sort of ~1000 samples, cheaper than a thread-pool hop;
    # - app state read directly: each FastAPI dependency costs ~35 us per request here;
    # - the response is built from plain floats, so FastAPI need not re-validate it.
    state = request.app.state
    model = state.models.require_forecast()
    start, end = resolve_period(body.period, body.start, body.end, state.settings.fiscal_year_start_month)
    group = {} if body.total else body.group
    ids = subject_ids(model, body.series_id, group)
    answer = pace_answer(model, ids, start, end, body.target, state.cutoffs, state.planning.posted)
    return JSONResponse(
        {
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
    )

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from models.feasibility import assess
from service.schemas import ErrorBody, FeasibilityRequest, FeasibilityResponse

router = APIRouter(prefix="/v1", tags=["feasibility"])


@router.post(
    "/feasibility",
    response_model=FeasibilityResponse,
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    summary="Probability of reaching a sales target over a period",
)
async def feasibility(body: FeasibilityRequest, request: Request) -> JSONResponse:
    # The hot path of the service, kept lean on purpose (bench/serve.py measures it):
    # - async: the work is a difference of two cumulative-sum rows and a sort of ~1000
    #   samples, cheaper than the thread-pool hop a sync route pays;
    # - app state read directly: each FastAPI dependency costs ~35 us per request here;
    # - the response is built from plain floats, so FastAPI need not re-validate it.
    model = request.app.state.models.require_forecast()
    cutoffs = request.app.state.cutoffs
    period = model.period_sum(body.series_id, body.start, body.end)
    result = assess(period.totals, body.target, cutoffs)
    return JSONResponse(
        {
            "series_id": body.series_id,
            "start": body.start.isoformat(),
            "end": body.end.isoformat(),
            "target": body.target,
            **result.__dict__,
            "actual_to_date": period.actual,
            "model_version": model.version,
        }
    )

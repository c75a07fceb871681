from __future__ import annotations

import pandas as pd
from fastapi import APIRouter

from models.feasibility import assess
from service.deps import Cutoffs, Forecasts
from service.schemas import ErrorBody, FeasibilityRequest, FeasibilityResponse

router = APIRouter(prefix="/v1", tags=["feasibility"])


@router.post(
    "/feasibility",
    response_model=FeasibilityResponse,
    responses={404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
    summary="Probability of reaching a sales target over a period",
)
async def feasibility(body: FeasibilityRequest, model: Forecasts, cutoffs: Cutoffs) -> dict[str, object]:
    # async on purpose: the work is a reduction over ~1000 samples (tens of microseconds),
    # cheaper than the thread-pool hop a sync route would pay.
    period = model.period_sum(body.series_id, pd.Timestamp(body.start), pd.Timestamp(body.end))
    result = assess(period.totals, body.target, cutoffs)
    return {
        "series_id": body.series_id,
        "start": body.start,
        "end": body.end,
        "target": body.target,
        **result.__dict__,
        "actual_to_date": period.actual,
        "model_version": model.version,
    }

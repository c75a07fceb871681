from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from models.churn.features import frame_from_records
from service.api.churn_schemas import ChurnScoreRequest, ChurnScoreResponse, ChurnSummaryResponse
from service.api.schemas import ErrorBody

router = APIRouter(prefix="/v1/churn", tags=["churn"])


@router.post(
    "/score",
    responses={200: {"model": ChurnScoreResponse}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
    summary="Calibrated churn probability, risk band and top drivers per customer (up to 10,000)",
)
def score(body: ChurnScoreRequest, request: Request) -> JSONResponse:
    # A sync route: scoring with drivers is CPU work for the thread pool. The response is built
    # from plain values (JSONResponse), so FastAPI need not re-validate thousands of rows.
    store = request.app.state.models
    model = store.require_churn()
    ids, features, warnings = frame_from_records(body.customers, model.schema)
    result = model.score(features)
    scores = [
        {"customer_id": cid, "probability": round(float(p), 4), "risk_band": band, "drivers": drivers}
        for cid, p, band, drivers in zip(ids, result.probability, result.bands, result.drivers, strict=True)
    ]
    return JSONResponse({"model_version": model.version, "scores": scores, "warnings": warnings})


@router.get(
    "/summary",
    response_model=ChurnSummaryResponse,
    responses={503: {"model": ErrorBody}},
    summary="Revenue at risk of the population scored at training, overall and by segment",
)
async def summary(request: Request) -> dict[str, object]:
    store = request.app.state.models
    return store.require_churn().summary(store.churn_segment)

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from models.churn.features import frame_from_records
from service.api.schemas.churn import ChurnScoreRequest, ChurnScoreResponse, ChurnSummaryResponse
from service.api.schemas.common import error_responses
from service.auth import ReadKey
from service.deps import Store

router = APIRouter(prefix="/v1/churn", tags=["churn"])


@router.post(
    "/score",
    response_model=ChurnScoreResponse,
    responses=error_responses(422, 503),
    summary="Calibrated churn probability, risk band and top drivers per customer (up to 10,000)",
)
def score(_: ReadKey, body: ChurnScoreRequest, store: Store) -> JSONResponse:
    # A sync route: scoring with drivers is CPU work for the thread pool. The response is built
    # from plain values (JSONResponse), so FastAPI need not re-validate thousands of rows
    # (tests/service/test_openapi_contract.py checks real bodies against ChurnScoreResponse).
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
    responses=error_responses(503),
    summary="Revenue at risk of the population scored at training, overall and by segment",
)
async def summary(_: ReadKey, store: Store) -> dict[str, object]:
    return store.require_churn().summary(store.churn_segment)

"""``/v1/churn``: scores, the revenue-at-risk summary, and the outcomes that hold the scores to account.

Every score the service gives is kept (``service.db.churn_store``), so that an outcome posted
later resolves it; ``churn_monitoring`` is the churn section of ``GET /v1/monitoring``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from models.churn.drift import feature_drift
from models.churn.features import frame_from_records
from models.churn.model import ChurnModel
from models.churn.outcomes import GivenScore, Outcome, resolve_outcomes
from service.api.schemas.churn import (
    ChurnOutcomesRequest,
    ChurnOutcomesStored,
    ChurnScoreRequest,
    ChurnScoreResponse,
    ChurnSummaryResponse,
)
from service.api.schemas.common import error_responses
from service.auth import ReadKey, WriteKey
from service.db.churn_store import ChurnStore
from service.deps import ChurnRecords, Store, Telemetry, Wake

__all__ = ["DRIFT_DAYS", "churn_monitoring", "router"]

router = APIRouter(prefix="/v1/churn", tags=["churn"])
DRIFT_DAYS = 30  # without ?since=, drift compares the customers scored in the last 30 days


@router.post(
    "/score",
    response_model=ChurnScoreResponse,
    responses=error_responses(422, 503),
    summary="Calibrated churn probability, risk band and top drivers per customer (up to 10,000)",
)
def score(_: ReadKey, body: ChurnScoreRequest, store: Store, records: ChurnRecords) -> JSONResponse:
    # A sync route: scoring with drivers is CPU work for the thread pool. The response is built
    # from plain values (JSONResponse), so FastAPI need not re-validate thousands of rows
    # (tests/service/test_openapi_contract.py checks real bodies against ChurnScoreResponse).
    model = store.require_churn()
    ids, features, warnings = frame_from_records(body.customers, model.schema)
    result = model.score(features)
    probabilities = [round(float(p), 4) for p in result.probability]
    scores = [
        {"customer_id": cid, "probability": p, "risk_band": band, "drivers": drivers}
        for cid, p, band, drivers in zip(ids, probabilities, result.bands, result.drivers, strict=True)
    ]
    # Kept as answered, so an outcome posted later is held to the number the client saw.
    records.record_scores(ids, probabilities, features, model.version, dt.datetime.now(dt.UTC))
    return JSONResponse({"model_version": model.version, "scores": scores, "warnings": warnings})


@router.get(
    "/summary",
    response_model=ChurnSummaryResponse,
    responses=error_responses(503),
    summary="Revenue at risk of the population scored at training, overall and by segment",
)
async def summary(_: ReadKey, store: Store) -> dict[str, object]:
    return store.require_churn().summary(store.churn_segment)


def _training_scores(model: ChurnModel | None, ids: list[str]) -> dict[str, list[GivenScore]]:
    if model is None:
        return {}
    population, at = model.population_scores(), model.trained_at.to_pydatetime().astimezone(dt.UTC)
    return {cid: [GivenScore(cid, population[cid], model.version, at, "training")] for cid in ids if cid in population}


@router.post(
    "/outcomes",
    response_model=ChurnOutcomesStored,
    responses=error_responses(422),
    summary="Record who churned: each outcome resolves the latest score given on or before its date (all or nothing)",
)
def post_outcomes(
    _: WriteKey, body: ChurnOutcomesRequest, store: Store, records: ChurnRecords, telemetry: Telemetry, wake: Wake
) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    outcomes = [Outcome(str(o.customer_id), o.churned, o.as_of) for o in body.outcomes]
    ids = list(dict.fromkeys(o.customer_id for o in outcomes))
    given = records.given(ids)
    for cid, scores in _training_scores(store.churn, ids).items():
        given.setdefault(cid, []).extend(scores)
    resolved = resolve_outcomes(outcomes, given, records.resolved_keys(ids), today=now.date())
    records.add_outcomes(resolved, now)
    telemetry.churn_realised(records.figures())
    wake.set()  # churn_calibration sees the new outcomes now
    return {
        "resolved": len(resolved),
        "churned": sum(r.outcome.churned for r in resolved),
        "by_source": dict(Counter(r.score.source for r in resolved)),
        "model_versions": sorted({r.score.model_version for r in resolved}),
        "total_outcomes": records.counts()["outcomes"],
    }


def churn_monitoring(
    records: ChurnStore, model: ChurnModel | None, since: dt.date | None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The churn section of ``GET /v1/monitoring``: realised figures of the scores resolved by
    outcomes dated on or after ``since`` (all kept without it), and feature drift of the customers
    scored since then (the last ``DRIFT_DAYS`` without it) against the training population."""
    now = now or dt.datetime.now(dt.UTC)
    figures = records.figures(since)
    warnings: list[str] = []
    if figures["resolved"] == 0:
        warnings.append("no churn outcomes posted yet (POST /v1/churn/outcomes)")
    drift = None
    if model is None:
        warnings.append("no churn model loaded, so feature drift is unknown")
    else:
        start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else now - dt.timedelta(days=DRIFT_DAYS)
        scored = records.scored_features(start)
        rows = feature_drift(model.profile, scored) if len(scored) else []
        unprofiled = [f for f in model.schema.features if f not in model.profile]
        if unprofiled:
            warnings.append(
                f"no training profile of {len(unprofiled)} feature(s) ({', '.join(unprofiled[:5])}): the model "
                "was saved without one; retrain it to measure their drift"
            )
        drift = {
            "model_version": model.version,
            "since": start,
            "scored": len(scored),
            "features": rows,
            "max_psi": max((r["psi"] for r in rows), default=None),
            "unprofiled": unprofiled,
        }
    version = model.version if model else None
    return {"model_version": version, "since": since, **figures, "drift": drift, "warnings": warnings}

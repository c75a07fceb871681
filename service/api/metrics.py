from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.deps import ChurnRecords, Store, Telemetry

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    summary="Prometheus exposition",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus text"}},
)
def metrics(store: Store, telemetry: Telemetry, churn: ChurnRecords) -> Response:
    telemetry.retrain_status(store.registry.retrain_status())
    telemetry.churn_realised(churn.figures())  # from the database: the same in every worker
    return Response(generate_latest(telemetry.registry), media_type=CONTENT_TYPE_LATEST)

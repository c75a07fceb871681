from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

router = APIRouter(tags=["metrics"])


@router.get("/metrics", summary="Prometheus exposition", response_class=Response)
def metrics(request: Request) -> Response:
    state = request.app.state
    state.metrics.retrain_status(state.models.registry.retrain_status())
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

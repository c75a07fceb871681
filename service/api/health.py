from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.schemas.common import error_responses
from service.api.schemas.health import Health, Readiness
from service.deps import Store

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses=error_responses(503),
    summary="Readiness: a champion forecast model is loaded (503 until then)",
)
async def readyz(store: Store) -> JSONResponse:
    model = store.forecast
    if model is None:
        detail = store.last_error or "no forecast model is loaded yet"
        return JSONResponse({"error": "not_ready", "detail": detail}, status_code=503)
    return JSONResponse({"status": "ready", "forecast_version": model.version})

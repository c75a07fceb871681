from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from service.auth import ReadKey

router = APIRouter(prefix="/v1", tags=["kri"])


@router.get("/alerts", summary="Active KRI alerts, in the shape of Alertmanager's GET /api/v2/alerts")
def list_alerts(request: Request, _: ReadKey) -> list[dict[str, Any]]:
    return request.app.state.kri_engine.active_alerts()

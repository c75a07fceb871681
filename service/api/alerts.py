from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.schemas.alerts import Alert
from service.auth import ReadKey
from service.deps import Kris

router = APIRouter(prefix="/v1", tags=["kri"])


@router.get(
    "/alerts",
    response_model=list[Alert],
    summary="Active KRI alerts, in the shape of Alertmanager's GET /api/v2/alerts",
)
def list_alerts(_: ReadKey, engine: Kris) -> list[dict[str, Any]]:
    return engine.active_alerts()

"""``GET /v1/models``: the versions the service serves, when they were trained, and the last retrain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from service.api.schemas.models import ServedModels
from service.auth import ReadKey
from service.deps import Store

router = APIRouter(prefix="/v1", tags=["models"])


@router.get(
    "/models",
    response_model=ServedModels,
    summary="The forecast and churn versions served, when they were trained, and the last retrain run",
)
def served_models(_: ReadKey, store: Store) -> dict[str, Any]:
    # A sync route: the retrain status is a file read from the registry.
    forecast, churn = store.forecast, store.churn  # read once: a reload may swap them meanwhile
    return {
        "forecast": None
        if forecast is None
        else {
            "version": forecast.version,
            "trained_at": forecast.trained_at.isoformat(),
            "series": len(forecast.infos),
            "horizon": forecast.horizon,
            "freq": forecast.freq.alias,
        },
        "churn": None
        if churn is None
        else {"version": churn.version, "trained_at": churn.trained_at.isoformat(), "customers": len(churn.population)},
        "last_retrain": store.registry.retrain_status(),
    }

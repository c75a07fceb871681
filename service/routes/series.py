from __future__ import annotations

from fastapi import APIRouter

from service.deps import Forecasts
from service.schemas import SeriesList

router = APIRouter(prefix="/v1", tags=["forecast"])


@router.get("/series", response_model=SeriesList, summary="Series the champion forecast model covers")
async def list_series(model: Forecasts) -> dict[str, object]:
    return {"series": [info.public(model.version) for info in model.infos]}

from __future__ import annotations

from fastapi import APIRouter

from service.api.schemas.common import error_responses
from service.api.schemas.series import GroupList, SeriesDetail, SeriesList
from service.auth import ReadKey
from service.deps import Forecasts

router = APIRouter(prefix="/v1", tags=["forecast"])


@router.get(
    "/series",
    response_model=SeriesList,
    responses=error_responses(503),
    summary="Series the champion forecast model covers",
)
async def list_series(_: ReadKey, model: Forecasts) -> dict[str, object]:
    return {"series": [info.public(model.version) for info in model.infos]}


@router.get(
    "/series/{series_id}",
    response_model=SeriesDetail,
    response_model_exclude_unset=True,  # ``effects`` only for a model trained with drivers, as before
    responses=error_responses(404, 503),
    summary="One series: its model choice, backtest accuracy, calibration and fitted driver effects",
)
async def series_detail(_: ReadKey, series_id: str, model: Forecasts) -> dict[str, object]:
    info = model.info(series_id)
    libraries = model.manifest.get("calibration", {}).get("libraries", {})
    calibration = libraries.get("multiplicative" if info.multiplicative else "additive", {})
    return {
        **info.public(model.version),
        "prophet_weight": info.prophet_weight,
        "backtest": info.backtest,
        "calibration": calibration,
        **({"effects": info.effects} if info.effects else {}),
    }


@router.get(
    "/groups",
    response_model=GroupList,
    responses=error_responses(503),
    summary="Group columns (from training's --group-cols), their values and member counts",
)
async def list_groups(_: ReadKey, model: Forecasts) -> dict[str, object]:
    return {
        "columns": {
            col: [{"value": v, "series": n} for v, n in values.items()] for col, values in model.groups().items()
        },
        "total_series": len(model.infos),
        "model_version": model.version,
    }

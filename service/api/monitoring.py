from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from models.errors import InvalidInput
from service.api.churn import churn_monitoring
from service.api.schemas.common import Day, error_responses
from service.api.schemas.monitoring import MonitoringResponse
from service.auth import ReadKey
from service.deps import Accounts, ChurnRecords, Forecasts, Store

router = APIRouter(prefix="/v1", tags=["monitoring"])


def parse_group(items: list[str]) -> dict[str, str]:
    """``["region:North", "store_format:mall"]`` -> ``{"region": "North", "store_format": "mall"}``."""
    group: dict[str, str] = {}
    for item in items:
        col, sep, value = item.partition(":")
        if not sep or not col or not value:
            raise InvalidInput(f"group {item!r} is not column:value, e.g. group=region:North (see GET /v1/groups)")
        if col in group and group[col] != value:
            raise InvalidInput(f"group names column {col!r} twice ({group[col]!r} and {value!r}): give it once")
        group[col] = value
    return group


@router.get(
    "/monitoring",
    response_model=MonitoringResponse,
    responses=error_responses(404, 422, 503),
    summary="How the served forecasts and target probabilities came true against the actuals posted since",
)
async def monitoring(
    _: ReadKey,
    model: Forecasts,
    accounts: Accounts,
    store: Store,
    churn_records: ChurnRecords,
    series_id: Annotated[str | None, Query(description="only this series (its targets: the series' own)")] = None,
    group: Annotated[
        list[str],
        Query(description="only this group, as column:value (repeat for several columns), e.g. region:North"),
    ] = [],  # noqa: B006 - FastAPI copies query defaults
    since: Annotated[
        Day | None, Query(description="only periods on or after this date, YYYY-MM-DD (targets: ending)")
    ] = None,
    model_version: Annotated[
        str | None, Query(description="the scores of this model version (default: the served one)")
    ] = None,
) -> dict[str, Any]:
    wanted = parse_group(group)
    if series_id is not None and wanted:
        raise InvalidInput("give series_id or group, not both")
    version = model_version or model.version
    report = await asyncio.to_thread(accounts.report, model, version, series_id, wanted, since)
    return {
        "model_version": version,
        "series_id": series_id,
        "group": wanted or None,
        "since": since,
        **report,
        "churn": await asyncio.to_thread(churn_monitoring, churn_records, store.churn, since),
    }

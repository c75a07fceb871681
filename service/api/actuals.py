from __future__ import annotations

import asyncio
import datetime as dt

from fastapi import APIRouter

from models.errors import InvalidInput, SentinelError
from service.api.schemas.actuals import ActualsBatch, ActualsStored
from service.api.schemas.common import error_responses
from service.auth import WriteKey
from service.deps import Accounts, Planning, Store, Wake

router = APIRouter(prefix="/v1", tags=["planning"])


@router.post(
    "/actuals",
    response_model=ActualsStored,
    responses=error_responses(422, 503),
    summary="Record sales actuals after the training history (idempotent per series and date; all or nothing)",
)
async def post_actuals(
    _: WriteKey, body: ActualsBatch, store: Store, planning: Planning, accounts: Accounts, wake: Wake
) -> dict[str, object]:
    model = store.require_forecast()
    problems, seen = [], set()
    # Validated like the training data: negatives only when the model was trained with --allow-negative.
    allow_negative = bool(model.manifest.get("validation", {}).get("rules", {}).get("allow_negative", False))
    for k, item in enumerate(body.actuals):
        if item.y < 0 and not allow_negative:
            problems.append(
                f"actuals[{k}]: negative sales {item.y} for {item.series_id!r} {item.ds} (the model was "
                "trained without --allow-negative)"
            )
            continue
        key = (item.series_id, item.ds)
        if key in seen:
            problems.append(f"actuals[{k}]: {item.series_id!r} {item.ds} appears twice in this batch")
            continue
        seen.add(key)
        try:
            model.forecast_step(item.series_id, item.ds)
        except SentinelError as exc:  # unknown series, off-grid date, date outside the horizon
            problems.append(f"actuals[{k}]: {exc}")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidInput("nothing was stored: " + "; ".join(problems[:5]) + more)
    rows = [(a.series_id, a.ds, a.y) for a in body.actuals]
    now = dt.datetime.now(dt.UTC)
    # Scored before anything is stored, against the model serving now (a repeat re-scores).
    scores = await asyncio.to_thread(accounts.score, model, rows, now)
    await asyncio.to_thread(planning.upsert_actuals, rows, now)
    await asyncio.to_thread(accounts.save, scores)
    wake.set()  # forecast_shortfall and target KRIs see the new actuals now
    return {"stored": len(rows), "series": len({r[0] for r in rows}), "model_version": model.version}

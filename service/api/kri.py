from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from fastapi import APIRouter, Query

from models.errors import NotFound
from models.kri.observations import Observation, check_observations
from service.api.schemas.common import error_responses
from service.api.schemas.kri import KriList, ObservationBatch, ObservationsStored
from service.auth import ReadKey, WriteKey
from service.deps import KriRecords, Kris, Wake
from service.kri.delivery import utc_iso

router = APIRouter(prefix="/v1/kri", tags=["kri"])


@router.post(
    "/observations",
    response_model=ObservationsStored,
    responses=error_responses(422),
    summary="Push observed KRI values (idempotent per kri, labels and ts; a rejected batch stores nothing)",
)
async def push_observations(
    _: WriteKey, body: ObservationBatch, engine: Kris, records: KriRecords, wake: Wake
) -> dict[str, int]:
    kris = engine.kris
    now = dt.datetime.now(dt.UTC)
    batch = check_observations([Observation(o.kri, o.value, o.ts, o.labels) for o in body.observations], kris, now)
    added = await asyncio.to_thread(records.add_observations, batch, now)
    wake.set()  # evaluate now rather than at the next tick
    return {"accepted": len(batch), "stored": added, "duplicates": len(batch) - added}


@router.get(
    "",
    response_model=KriList,
    responses=error_responses(404),
    summary="Every KRI: thresholds, latest values, alert state and since when",
)
def list_kris(_: ReadKey, engine: Kris, name: str | None = Query(None, description="only this KRI")) -> dict[str, Any]:
    if name is not None and name not in engine.kris:
        raise NotFound(f"unknown KRI {name!r}; configured: {', '.join(sorted(engine.kris))}")
    out = []
    for status in engine.status.values():
        kri = status.kri
        if name is not None and kri.name != name:
            continue
        values = [
            {**v, "ts": utc_iso(v["ts"]), "since": None if v["since"] is None else utc_iso(v["since"])}
            for v in sorted(status.values, key=lambda v: sorted(v["labels"].items()))
        ]
        worst = max(
            values,
            key=lambda v: (v["state"] == "firing", v["severity"] == "critical", v["state"] == "pending"),
            default=None,
        )
        out.append(
            {
                "name": kri.name,
                "description": kri.description,
                "source": kri.source,
                "direction": kri.direction,
                "thresholds": kri.thresholds(),
                "warning": kri.warning,
                "critical": kri.critical,
                "for": {"seconds": kri.for_.seconds, "evaluations": kri.for_.evaluations},
                "clear": {"margin": kri.clear.margin, "keep_firing_for": kri.clear.keep_firing_for},
                "labels": dict(kri.labels),
                "runbook_url": kri.runbook_url,
                "state": "no_data" if status.no_data else worst["state"] if worst else "no_data",
                "severity": worst["severity"] if worst else None,
                "since": worst["since"] if worst else None,
                "no_data_reason": status.no_data,
                "values": values,
            }
        )
    return {"kris": out}

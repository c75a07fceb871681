"""Registered targets: a named (series or group, period, amount), and its current standing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from models.errors import SentinelError
from models.forecast.model import ForecastModel, Posted
from models.forecast.scenario import Overrides, override_change
from models.planning.feasibility import VerdictCutoffs
from models.planning.pace import pace_answer, subject_ids

__all__ = ["StoredTarget", "target_status"]


@dataclass(frozen=True)
class StoredTarget:
    name: str
    series_id: str | None
    group: dict[str, str] | None
    period: str | None
    start: dt.date
    end: dt.date
    amount: float
    owner: str | None
    created_at: dt.datetime


def target_status(
    model: ForecastModel, target: StoredTarget, cutoffs: VerdictCutoffs, posted: Posted, plans: Overrides | None = None
) -> dict[str, Any]:
    """A registered target with its current probability, verdict and pace (or the reason there is none).

    Under the stored plan overrides (``PUT /v1/plan``), as ``POST /v1/feasibility`` answers.
    """
    out: dict[str, Any] = {
        "name": target.name,
        "series_id": target.series_id,
        "group": target.group,
        "period": target.period,
        "start": target.start.isoformat(),
        "end": target.end.isoformat(),
        "amount": target.amount,
        "owner": target.owner,
        "created_at": target.created_at.isoformat(),
    }
    try:
        ids = subject_ids(model, target.series_id, target.group)
        change = override_change(model, plans, ids) if plans else None
        out.update(pace_answer(model, ids, target.start, target.end, target.amount, cutoffs, posted, change or None))
        out["model_version"] = model.version
    except SentinelError as exc:  # e.g. a retrained model no longer covers the period
        out["error"] = str(exc)
    return out

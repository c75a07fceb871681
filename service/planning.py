"""Pace-to-target answers shared by feasibility, registered targets and the target KRI.

Routes parse the request; this module turns (subject, period, target) into the response fields
using ``ForecastModel.pace_sum`` and ``models.feasibility.assess``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from models.errors import SentinelError
from models.feasibility import VerdictCutoffs, assess
from models.forecast_model import ForecastModel, Posted
from models.periods import parse_period
from service.planning_store import StoredTarget

__all__ = ["pace_answer", "resolve_period", "subject_ids", "target_status"]


def resolve_period(
    period: str | None, start: dt.date | None, end: dt.date | None, fiscal_year_start_month: int
) -> tuple[dt.date, dt.date]:
    """The inclusive dates of a named period, or the given start and end (schemas check one is given)."""
    if period is not None:
        return parse_period(period, fiscal_year_start_month)
    assert start is not None and end is not None
    return start, end


def subject_ids(model: ForecastModel, series_id: str | None, group: Mapping[str, str] | None) -> list[str]:
    """The series a request is about: one series, or a group's members (``None``/``{}`` = all)."""
    if series_id is not None:
        model.info(series_id)  # NotFound naming the series
        return [series_id]
    return model.members(group or {})


def pace_answer(
    model: ForecastModel,
    ids: list[str],
    start: dt.date,
    end: dt.date,
    target: float,
    cutoffs: VerdictCutoffs,
    posted: Posted,
) -> dict[str, Any]:
    """Feasibility and pace fields for ``ids`` summed over [start, end]."""
    if len(ids) == 1 and ids[0] not in posted:
        # The common case stays O(n_samples): one difference of two cumulative rows.
        plain = model.period_sum(ids[0], start, end)
        actual, elapsed, left, totals = plain.actual, plain.periods_actual, plain.periods_forecast, plain.totals
    else:
        pace = model.pace_sum(ids, start, end, posted)
        actual, elapsed, left, totals = pace.actual, pace.periods_elapsed, pace.periods_remaining, pace.totals
    result = assess(totals, target, cutoffs)
    remaining_expected = result.expected - actual
    return {
        **result.__dict__,
        "actual_to_date": actual,
        "remaining_expected": remaining_expected,
        "periods_elapsed": elapsed,
        "periods_remaining": left,
        "required_run_rate": (target - actual) / left if left else None,
        "forecast_run_rate": remaining_expected / left if left else None,
    }


def target_status(
    model: ForecastModel, target: StoredTarget, cutoffs: VerdictCutoffs, posted: Posted
) -> dict[str, Any]:
    """A registered target with its current probability, verdict and pace (or the reason there is none)."""
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
        out.update(pace_answer(model, ids, target.start, target.end, target.amount, cutoffs, posted))
        out["model_version"] = model.version
    except SentinelError as exc:  # e.g. a retrained model no longer covers the period
        out["error"] = str(exc)
    return out

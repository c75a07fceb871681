"""Pace-to-target answers shared by feasibility, registered targets and the target KRI.

Routes parse the request; this module turns (subject, period, target) into the response fields
using ``ForecastModel.pace_sum`` and ``models.planning.feasibility.assess``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from models.forecast.model import ForecastModel, PaceSum, Posted
from models.forecast.scenario import PlanChange, shifted_parts
from models.planning.feasibility import VerdictCutoffs, assess
from models.planning.periods import parse_period

__all__ = ["pace_answer", "pace_fields", "period_totals", "resolve_period", "subject_ids"]


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


def period_totals(
    model: ForecastModel, ids: list[str], start: dt.date, end: dt.date, posted: Posted, change: PlanChange | None = None
) -> PaceSum:
    """Joint samples of ``ids``' total over [start, end], recorded and posted actuals counted.

    What feasibility and the target curve read their answers off, so the two always agree. With
    ``change`` (plan overrides, a scenario) the paths follow the changed plan (``models.forecast.scenario``).
    """
    if change:
        return shifted_parts(model, [(ids, start, end)], posted, change)[0]
    if len(ids) == 1 and ids[0] not in posted:
        # The common case stays O(n_samples): one difference of two cumulative rows.
        plain = model.period_sum(ids[0], start, end)
        return PaceSum(
            plain.actual, plain.periods_actual, plain.periods_forecast, plain.totals - plain.actual, plain.totals
        )
    return model.pace_sum(ids, start, end, posted)


def pace_answer(
    model: ForecastModel,
    ids: list[str],
    start: dt.date,
    end: dt.date,
    target: float,
    cutoffs: VerdictCutoffs,
    posted: Posted,
    change: PlanChange | None = None,
) -> dict[str, Any]:
    """Feasibility and pace fields for ``ids`` summed over [start, end] (under ``change``, if given)."""
    return pace_fields(period_totals(model, ids, start, end, posted, change), target, cutoffs)


def pace_fields(pace: PaceSum, target: float, cutoffs: VerdictCutoffs) -> dict[str, Any]:
    """Feasibility and pace fields of period totals already summed (and shifted, for a scenario)."""
    actual, left = pace.actual, pace.periods_remaining
    result = assess(pace.totals, target, cutoffs)
    remaining_expected = result.expected - actual
    return {
        **result.__dict__,
        "actual_to_date": actual,
        "remaining_expected": remaining_expected,
        "periods_elapsed": pace.periods_elapsed,
        "periods_remaining": left,
        "required_run_rate": (target - actual) / left if left else None,
        "forecast_run_rate": remaining_expected / left if left else None,
    }

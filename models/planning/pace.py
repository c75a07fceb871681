"""Pace-to-target answers shared by feasibility, registered targets and the target KRI.

Routes parse the request; this module turns (subject, period, target) into the response fields
using ``ForecastModel.pace_sum`` and ``models.planning.feasibility.assess``.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from models.forecast.model import ForecastModel, PaceSum, Posted
from models.forecast.scenario import PlanChange, shifted_parts
from models.planning.feasibility import Spread, VerdictCutoffs, spread
from models.planning.periods import parse_period

__all__ = [
    "SpreadCache",
    "pace_answer",
    "pace_fields",
    "period_totals",
    "plain_totals",
    "resolve_period",
    "subject_ids",
]

SPREAD_CACHE_SIZE = 512  # entries of ~24 KB (1,000 samples): totals, remaining and sorted, float64


class SpreadCache:
    """One series' period totals as trained and their ``Spread``, per (series, start, end), bounded.

    Without posted actuals or a plan change a period's samples depend on the model alone, and a
    version never changes, so an entry never goes stale: the cache belongs to one model at a time
    and starts empty when asked about another (a reload). Posted actuals and plan changes are not
    cached; those answers are computed each time. Planners come back to the same periods (a
    target's status, scenarios against their baseline): an answer is then a lookup and one binary
    search instead of a difference of cumulative rows and a sort. Oldest entries go first.
    """

    def __init__(self, size: int = SPREAD_CACHE_SIZE) -> None:
        self.size = size
        self._model: weakref.ref[ForecastModel] | None = None  # weak: a reloaded model is not kept alive
        self._entries: dict[tuple[str, dt.date, dt.date], tuple[PaceSum, Spread]] = {}
        self._lock = threading.Lock()

    def get(self, model: ForecastModel, series_id: str, start: dt.date, end: dt.date) -> tuple[PaceSum, Spread]:
        """``period_totals`` of one series without posted actuals, and its ``Spread``."""
        entries = self._entries if self._model is not None and self._model() is model else self._rebind(model)
        key = (series_id, start, end)
        hit = entries.get(key)
        if hit is None:
            pace = period_totals(model, [series_id], start, end, {})  # errors (dates outside) are not cached
            hit = (pace, spread(pace.totals))
            with self._lock:
                if len(entries) >= self.size:
                    del entries[next(iter(entries))]
                entries[key] = hit
        return hit

    def _rebind(self, model: ForecastModel) -> dict[tuple[str, dt.date, dt.date], tuple[PaceSum, Spread]]:
        with self._lock:
            if self._model is None or self._model() is not model:
                self._model, self._entries = weakref.ref(model), {}
            return self._entries


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


def plain_totals(
    model: ForecastModel, ids: list[str], start: dt.date, end: dt.date, posted: Posted, cache: SpreadCache | None
) -> tuple[PaceSum, Spread | None]:
    """``period_totals`` without a plan change, with their ``Spread`` where ``cache`` keeps them (one series
    without posted actuals), else None."""
    if cache is not None and len(ids) == 1 and ids[0] not in posted:
        return cache.get(model, ids[0], start, end)
    return period_totals(model, ids, start, end, posted), None


def pace_answer(
    model: ForecastModel,
    ids: list[str],
    start: dt.date,
    end: dt.date,
    target: float,
    cutoffs: VerdictCutoffs,
    posted: Posted,
    change: PlanChange | None = None,
    cache: SpreadCache | None = None,
) -> dict[str, Any]:
    """Feasibility and pace fields for ``ids`` summed over [start, end] (under ``change``, if given)."""
    if change:
        return pace_fields(period_totals(model, ids, start, end, posted, change), target, cutoffs)
    pace, known = plain_totals(model, ids, start, end, posted, cache)
    return pace_fields(pace, target, cutoffs, known)


def pace_fields(pace: PaceSum, target: float, cutoffs: VerdictCutoffs, known: Spread | None = None) -> dict[str, Any]:
    """Feasibility and pace fields of period totals already summed (and shifted, for a scenario).

    ``known``: ``spread(pace.totals)`` when the caller has it already (``SpreadCache``).
    """
    actual, left = pace.actual, pace.periods_remaining
    result = (known or spread(pace.totals)).assess(target, cutoffs)
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

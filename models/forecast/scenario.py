"""Plans and scenarios served without Stan: what a changed plan does to the forecast and its paths.

A version trained with drivers stores, per series and horizon step, the combined point forecast
before its clip at zero and its *sensitivity* to the regressor effect (``effects.plan_terms``).
Prophet's regressor terms are linear, so a changed plan (a ``PUT /v1/plan`` override or a request's
scenario) forecasts exactly ``max(0, raw_h + b_h * sum_r coef_r * (x_new - x_trained))`` without
refitting anything, for the Prophet member and the AutoETS member alike (AutoETS was given the
plan's effect the same way; see ``models.forecast.fit``). Closed periods have b = raw = 0 and stay 0.

The calibrated sample paths then follow their point forecast the way calibration built them
(``models.forecast.calibration``): a multiplicative series' paths are its point forecast times
standardised log-scale errors, so each step's samples are *scaled* by new / old point forecast,
which is the paths calibration would have drawn around the new forecast; an additive series'
paths are the point forecast plus errors, so they are *shifted* by new - old (and clipped at zero
again). Samples that calibration had clipped at zero are shifted from zero, the one place the
additive shift is not exact. A scenario's period total is therefore the plain total plus a per
sample change summed over the changed steps, and a stored group row plus its members' changes.

With posted actuals in the period, posted periods are actuals (no scenario applies to them) and
the change of the remaining ones is computed on the unconditioned paths: exact for additive series
(the conditioning moves errors, which a shift leaves alone); for multiplicative ones the
conditioning factor itself is not applied to the change.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.errors import InvalidInput, NotFound
from models.forecast.fan import Fan, fan_chart
from models.forecast.model import PaceSum
from models.forecast.plan import Drivers

if TYPE_CHECKING:
    from models.forecast.model import ForecastModel, Posted

__all__ = [
    "Drivers",
    "Overrides",
    "PlanChange",
    "Window",
    "merge_changes",
    "override_change",
    "override_rows",
    "request_changes",
    "require_drivers",
    "scenario_change",
    "shifted_fan",
    "shifted_forecast",
    "shifted_parts",
]

PlanChange = Mapping[str, Mapping[str, Mapping[int, float]]]  # series id -> regressor -> {horizon step: value}
Window = tuple[dt.date, dt.date, float]  # inclusive dates and the value the regressor takes there
RETRAIN = "retrain with sentinel train forecast --regressors {names} (and the plan in --future)"


@dataclass(frozen=True)
class Change:
    """One series' changed horizon steps: their point forecasts as trained and under the new plan."""

    steps: np.ndarray
    old: np.ndarray
    new: np.ndarray
    multiplicative: bool


def _steps_of(model: ForecastModel, i: int, start: dt.date, end: dt.date) -> tuple[int, int]:
    """Horizon steps [a, b) of series ``i`` dated within [start, end] (clipped to the horizon)."""
    timeline, n_hist = model._timelines[i], len(model._history_cum[i]) - 1
    a = max(bisect.bisect_left(timeline, start.toordinal()), n_hist) - n_hist
    b = max(bisect.bisect_right(timeline, end.toordinal()), n_hist) - n_hist
    return a, b


def require_drivers(model: ForecastModel) -> Drivers:
    """The served model's plan and shift terms; InvalidInput saying to retrain when it has none."""
    if model.drivers is None:
        raise InvalidInput(
            f"the served model ({model.version}) was trained without drivers, so it has no plan to change: "
            + RETRAIN.format(names="promo,price,...")
        )
    return model.drivers


def scenario_change(
    model: ForecastModel, ids: Sequence[str], scenario: Mapping[str, Sequence[Window]], label: str = "scenario"
) -> dict[str, dict[str, dict[int, float]]]:
    """The plan change a request's scenario makes for each of ``ids``; every problem named at once.

    Each window sets the regressor over the periods dated within it; windows must lie after every
    series' history and within its horizon, must not overlap, and a 0/1 regressor takes 0 or 1.
    """
    drivers = require_drivers(model)
    problems: list[str] = []
    for r in scenario:
        if r not in drivers.regressors:
            names = ",".join([*drivers.regressors, r])
            problems.append(
                f"{label}.{r}: the model was trained without regressor {r!r} (it has "
                f"{', '.join(drivers.regressors)}): {RETRAIN.format(names=names)}"
            )
    for r, windows in scenario.items():
        for k, (start, end, value) in enumerate(windows):
            if end < start:
                problems.append(f"{label}.{r}[{k}]: end {end} is before start {start}")
            if not math.isfinite(value):
                problems.append(f"{label}.{r}[{k}]: value must be a finite number, got {value}")
            elif r in drivers.binary and value not in (0.0, 1.0):
                problems.append(f"{label}.{r}[{k}]: {r!r} is a 0/1 regressor: value must be 0 or 1, got {value}")
            first, last = start.isoformat(), end.isoformat()
            for sid in ids:
                info = model.info(sid)
                if first <= info.history_end or last > info.horizon_end:
                    problems.append(
                        f"{label}.{r}[{k}]: {start}..{end} is not within the forecast horizon of {sid!r} "
                        f"({info.history_end} < date <= {info.horizon_end}): a plan changes future periods only"
                    )
                    break
        if len(windows) > 1:
            ordered = sorted(range(len(windows)), key=lambda k: windows[k][0])
            for prev, nxt in zip(ordered, ordered[1:], strict=False):
                if windows[nxt][0] <= windows[prev][1]:
                    problems.append(f"{label}.{r}[{nxt}] overlaps {label}.{r}[{prev}]: give each period one value")
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidInput("; ".join(problems[:5]) + more)
    out: dict[str, dict[str, dict[int, float]]] = {}
    for sid in ids:
        i = model._position(sid)
        per = out.setdefault(sid, {})
        for r, windows in scenario.items():
            for start, end, value in windows:
                a, b = _steps_of(model, i, start, end)
                per.setdefault(r, {}).update(dict.fromkeys(range(a, b), float(value)))
    return out


Overrides = Mapping[str, Mapping[str, Mapping[int, float]]]  # series id -> regressor -> {ordinal day: value}


def override_change(
    model: ForecastModel, overrides: Overrides, ids: Sequence[str]
) -> dict[str, dict[str, dict[int, float]]]:
    """The stored plan overrides (``PUT /v1/plan``) of ``ids`` as a plan change of the served model.

    Overrides outside its horizon, or of a regressor it was not trained with, do not apply to it
    (a retrained model may cover other dates).
    """
    drivers = model.drivers
    out: dict[str, dict[str, dict[int, float]]] = {}
    if drivers is None or not overrides:
        return out
    for sid in ids:
        regs = overrides.get(sid)
        if not regs:
            continue
        i = model._position(sid)
        timeline, n_hist = model._timelines[i], len(model._history_cum[i]) - 1
        for r, days in regs.items():
            if r not in drivers.regressors:
                continue
            for day, value in days.items():
                pos = bisect.bisect_left(timeline, day)
                if n_hist <= pos < len(timeline) and timeline[pos] == day:
                    out.setdefault(sid, {}).setdefault(r, {})[pos - n_hist] = value
    return out


def override_rows(
    model: ForecastModel, items: Sequence[tuple[str, str, dt.date, dt.date, float]]
) -> list[tuple[str, str, dt.date, float]]:
    """(series, regressor, ds, value) rows of ``PUT /v1/plan`` items (series, regressor, start, end, value).

    Validated all at once like a scenario (``scenario_change``), per item; InvalidInput names each
    problem (``changes[3]: ...``) and that nothing was stored.
    """
    problems: list[str] = []
    rows: dict[tuple[str, str, dt.date], tuple[int, float]] = {}
    for k, (sid, r, start, end, value) in enumerate(items):
        try:
            change = scenario_change(model, [sid], {r: [(start, end, value)]}, label=f"changes[{k}]")
        except NotFound as exc:  # an unknown series
            problems.append(f"changes[{k}]: {exc}")
            continue
        except InvalidInput as exc:
            problems.append(str(exc).replace(f"changes[{k}].{r}[0]", f"changes[{k}]"))
            continue
        dates = require_drivers(model).dates(model._position(sid))
        for step in change[sid][r]:
            key = (sid, r, dates[step])
            if key in rows:
                problems.append(f"changes[{k}]: {sid!r} {r} {dates[step]} is also set by changes[{rows[key][0]}]")
                break
            rows[key] = (k, value)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise InvalidInput("nothing was stored: " + "; ".join(problems[:5]) + more)
    return [(sid, r, day, value) for (sid, r, day), (_, value) in rows.items()]


def request_changes(
    model: ForecastModel, overrides: Overrides, ids: Sequence[str], scenario: Mapping[str, Sequence[Window]] | None
) -> tuple[PlanChange | None, PlanChange | None]:
    """(baseline, scenario) plan changes of a request: the stored overrides, and the scenario laid over them.

    None where there is nothing to change (no override of ``ids``; no scenario).
    """
    base = override_change(model, overrides, ids) or None
    if scenario is None:
        return base, None
    top = scenario_change(model, ids, scenario)
    return base, top if base is None else merge_changes(base, top)


def merge_changes(base: PlanChange, top: PlanChange) -> dict[str, dict[str, dict[int, float]]]:
    """``top`` laid over ``base`` (a scenario over the stored overrides): the later value wins per step."""
    out = {sid: {r: dict(v) for r, v in regs.items()} for sid, regs in base.items()}
    for sid, regs in top.items():
        for r, values in regs.items():
            out.setdefault(sid, {}).setdefault(r, {}).update(values)
    return out


def _changes(model: ForecastModel, change: PlanChange) -> dict[int, Change]:
    """Per series position: the steps whose point forecast the change moves."""
    drivers = require_drivers(model)
    out = {}
    for sid, values in change.items():
        i = model._position(sid)
        new, yhat = drivers.forecast_under(i, values), model._yhat[i]
        steps = (new != yhat).nonzero()[0]
        if steps.size:
            out[i] = Change(steps, yhat[steps], new[steps], model.infos[i].multiplicative)
    return out


def _step_values(model: ForecastModel, i: int, steps: np.ndarray) -> np.ndarray:
    """``model._step_values`` of ascending ``steps``: two slices of the cumulative paths when they are a run."""
    a, b = int(steps[0]), int(steps[-1]) + 1
    if b - a != steps.size:  # not one window of days: gathered row by row
        return model._step_values(i, steps)
    cum = model._cum[i]
    return (cum[a + 1 : b + 1] - cum[a:b]).astype(np.float64)


def _moved(values: np.ndarray, c: Change, nonnegative: bool) -> np.ndarray:
    """(k, n) samples (or per-step values) of the changed steps, moved to the new point forecast."""
    old, new = c.old[:, None], c.new[:, None]
    if c.multiplicative:
        return np.where(old > 0, values * (new / np.where(old > 0, old, 1.0)), new + 0.0 * values)
    moved = values + (new - old)
    return np.clip(moved, 0.0, None) if nonnegative else moved


def _delta(values: np.ndarray, c: Change, nonnegative: bool) -> np.ndarray:
    """(n,) change of the samples' sum over the changed steps: ``(_moved(values) - values).sum(axis=0)``.

    Without a zero point forecast (multiplicative) or a sample pushed below zero (additive), it is
    one (k,) x (k, n) product or a constant, a tenth of the general case's cost.
    """
    if c.multiplicative and c.old.min() > 0:
        return (c.new / c.old - 1.0) @ values
    if not c.multiplicative:
        shift = c.new - c.old
        if not nonnegative or bool(((values.min(axis=1) + shift) >= 0).all()):
            return np.full(values.shape[1], float(shift.sum()))
    return (_moved(values, c, nonnegative) - values).sum(axis=0)


def shifted_parts(
    model: ForecastModel,
    parts: Sequence[tuple[Sequence[str], dt.date, dt.date]],
    posted: Posted | None,
    change: PlanChange,
    plain: Sequence[PaceSum] | None = None,
) -> list[PaceSum]:
    """``model.pace_parts`` under a changed plan: each part's total plus its members' per-sample change.

    A stored group row is used as it is and its members' changes added to it: the change of a sum
    is the sum of the changes, sample by sample, so the joint paths stay joint. ``plain``: the
    parts' ``pace_parts`` (or one series' ``period_totals``) when the caller has them already.
    """
    posted = posted or {}
    moved = _changes(model, change)
    nonnegative = require_drivers(model).nonnegative
    out = []
    for (ids, start, end), pace in zip(parts, model.pace_parts(parts, posted) if plain is None else plain, strict=True):
        # None until a member changes: the parts' totals are never -0.0, so adding a first change
        # as it is gives what 0.0 + change would, without a pass over the samples.
        delta: np.ndarray | None = None
        for sid in ids:
            i = model._index[sid]
            c = moved.get(i)
            if c is None:
                continue
            fa, fb = _steps_of(model, i, start, end)
            part = c  # the common case: the whole change lies in the period and no actual was posted
            if sid in posted or not fa <= c.steps[0] <= c.steps[-1] < fb:
                a, b = c.steps.searchsorted((fa, fb))  # c.steps is sorted
                keep: slice | np.ndarray = slice(a, b)
                if sid in posted:
                    done = {bisect.bisect_left(model._timelines[i], d) for d, _ in posted[sid]}
                    n_hist = len(model._history_cum[i]) - 1
                    keep = np.flatnonzero(~np.isin(c.steps[a:b] + n_hist, list(done))) + a
                part = Change(c.steps[keep], c.old[keep], c.new[keep], c.multiplicative)
            if part.steps.size:
                d = _delta(_step_values(model, i, part.steps), part, nonnegative)
                delta = d if delta is None else delta + d
        moves: np.ndarray | float = 0.0 if delta is None else delta
        out.append(
            PaceSum(
                pace.actual, pace.periods_elapsed, pace.periods_remaining, pace.remaining + moves, pace.totals + moves
            )
        )
    return out


def shifted_forecast(
    model: ForecastModel, series_id: str, horizon: int | None, level: float, change: PlanChange
) -> dict[str, list]:
    """``model.forecast`` under a changed plan: point forecast and bands moved step by step.

    Moving samples to a new point forecast is monotone at each step (a positive scale or a shift
    then a clip), so the moved bands are the bands of the moved samples: no quantile is recomputed.
    """
    columns = model.forecast(series_id, horizon, level)
    c = _changes(model, {series_id: change.get(series_id, {})}).get(model._position(series_id))
    if c is None:
        return columns
    nonnegative = require_drivers(model).nonnegative
    h = len(columns["yhat"])
    keep = c.steps < h
    c = Change(c.steps[keep], c.old[keep], c.new[keep], c.multiplicative)
    out = {k: list(v) for k, v in columns.items()}
    for key in ("yhat", "lower", "upper"):
        values = np.asarray(columns[key], dtype=float)
        values[c.steps] = _moved(values[c.steps][:, None], c, nonnegative)[:, 0]
        out[key] = values.tolist()
    return out


def shifted_fan(
    model: ForecastModel, series_ids: Sequence[str], history_periods: int, posted: Posted | None, change: PlanChange
) -> Fan:
    """``model.fan`` under a changed plan: each changed member's samples moved to its new forecast, then summed.

    Per date the moved samples are the paths calibration would have drawn around the changed
    forecast, so the bands follow the plan as ``shifted_forecast``'s do (a stored group row is
    not used: its members' paths are summed). Like ``model.fan``, the paths are not conditioned
    on the posted actuals, and a posted date's forecast follows the plan too.
    """
    moved = _changes(model, {sid: change[sid] for sid in series_ids if sid in change})
    if not moved:
        return model.fan(series_ids, history_periods, posted)
    nonnegative = require_drivers(model).nonnegative
    positions = [model._position(sid) for sid in series_ids]
    rows = posted or {}
    return fan_chart(
        [model._timelines[i] for i in positions],
        [model._history_cum[i] for i in positions],
        [model._cum[i] if i not in moved else _shifted_cum(model, i, moved[i], nonnegative) for i in positions],
        [rows.get(sid, ()) for sid in series_ids],
        history_periods,
    )


def _shifted_cum(model: ForecastModel, i: int, c: Change, nonnegative: bool) -> np.ndarray:
    """Series ``i``'s cumulative paths (horizon + 1, n_samples), float64, with the changed steps' samples moved."""
    values = model._step_values(i, c.steps)
    steps = np.zeros((model.horizon + 1, model.n_samples))
    steps[c.steps + 1] = _moved(values, c, nonnegative) - values
    return model._cum[i] + np.cumsum(steps, axis=0)

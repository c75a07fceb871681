"""Goal seek: the smallest change of one regressor over a period's future periods that reaches a probability.

The change is laid over the request's plan (the stored overrides and any scenario) on every period
of [start, end] still to come: after the history and without a posted actual, the periods a
scenario changes (``models.forecast.scenario``). Its period total is the plain joint total plus
each member's per-sample change (``models.planning.lever``), whose samples are read once: a candidate
costs a product of per-step ratios with them, or O(n_samples) where the change is linear in the
level, not a pass over the paths from scratch.

- A numeric regressor gets one level on every such period of every member. The moved samples rise
  with the new forecast, which moves with the level in the sign of each member's fitted effect, so
  with one sign across members the probability is monotone in the level: bisection finds the
  threshold, and the answer is the reaching level closest to the plan's current one. Mixed signs
  (a group whose members react oppositely) fall back to a scan of the bounds, said in the message.
- A 0/1 regressor is switched on for some periods that are 0 in the plan, on the same dates for
  every member (a promotion calendar). A period's change does not depend on the others, so the
  total under a set of dates is the base plus their summed per-date changes. For each count k the
  k dates are searched exhaustively while there are few enough combinations, else the k best by
  expected gain are taken (greedy: exact for the expected total, and for the probability too on
  additive series, whose change is the same in every sample); the smallest k that reaches wins.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from models.errors import InvalidInput
from models.forecast.model import ForecastModel, Posted
from models.forecast.scenario import PlanChange, require_drivers
from models.planning.feasibility import Feasibility, VerdictCutoffs, assess
from models.planning.lever import Lever, add_sums, levers, total_change

__all__ = ["Bounds", "Solution", "goal_seek"]

EXACT_LIMIT = 256  # per count of 0/1 periods: combinations searched exhaustively up to this many
SCAN_POINTS = 101  # levels of a numeric scan when members' effects have mixed signs
Method = Literal["none", "bisection", "scan", "exhaustive", "greedy"]


@dataclass(frozen=True)
class Bounds:
    """What the solve may set: a numeric regressor's level range, or how many 0/1 periods to switch on."""

    min: float | None = None
    max: float | None = None
    max_periods: int | None = None


@dataclass(frozen=True)
class Solution:
    """The change found (or, when ``reached`` is false, the best the bounds allow) and its answer."""

    reached: bool
    kind: Literal["numeric", "binary"]
    method: Method
    level: float | None  # numeric: the level set on every changeable period (None: no change)
    current_level: float | None  # numeric: the plan's mean level over those periods
    periods: list[dt.date] | None  # 0/1: the dates switched on (None: numeric)
    changeable: int  # periods the regressor can change (0/1: dates still off in the plan)
    answer: Feasibility
    baseline: Feasibility
    message: str


@dataclass(frozen=True)
class _Goal:
    target: float
    regressor: str
    probability: float
    bounds: Bounds
    cutoffs: VerdictCutoffs
    exact_limit: int


def goal_seek(
    model: ForecastModel,
    ids: Sequence[str],
    start: dt.date,
    end: dt.date,
    target: float,
    regressor: str,
    probability: float,
    bounds: Bounds,
    *,
    posted: Posted | None = None,
    change: PlanChange | None = None,
    cutoffs: VerdictCutoffs = VerdictCutoffs(),
    exact_limit: int = EXACT_LIMIT,
) -> Solution:
    """The smallest change of ``regressor`` over [start, end]'s future periods that makes P(total >= target)
    at least ``probability``, on the plan under ``change`` (overrides, a scenario); InvalidInput naming
    what to fix for a version without drivers, an unknown regressor, bounds that do not fit it, or a
    period with nothing left to change."""
    drivers = require_drivers(model)
    if regressor not in drivers.regressors:
        raise InvalidInput(
            f"regressor {regressor!r} is not one the served model ({model.version}) was trained with: choose "
            f"one of {', '.join(drivers.regressors)}, or retrain with --regressors "
            f"{','.join([*drivers.regressors, regressor])}"
        )
    if not 0.0 < probability < 1.0:
        raise InvalidInput(f"probability must be between 0 and 1 (exclusive), got {probability}")
    binary = regressor in drivers.binary
    _check_bounds(regressor, binary, bounds)
    posted = posted or {}
    plain = model.pace_parts([(ids, start, end)], posted)[0].totals  # OutOfRange for a period outside the model
    parts = levers(model, drivers, ids, start, end, posted, change or {}, regressor)
    base = plain + total_change(parts)
    baseline = assess(base, target, cutoffs)
    goal = _Goal(target, regressor, probability, bounds, cutoffs, exact_limit)
    return _binary(parts, base, baseline, goal) if binary else _numeric(parts, plain, baseline, goal)


def _check_bounds(regressor: str, binary: bool, bounds: Bounds) -> None:
    if binary:
        if bounds.min is not None or bounds.max is not None:
            raise InvalidInput(
                f"{regressor!r} is a 0/1 regressor: the solve switches periods on, so bounds take max_periods "
                "(how many may be switched on), not min or max"
            )
        if bounds.max_periods is not None and bounds.max_periods < 1:
            raise InvalidInput(f"bounds.max_periods must be 1 or more, got {bounds.max_periods}")
        return
    if bounds.max_periods is not None:
        raise InvalidInput(f"{regressor!r} is numeric: bounds take min and max (its levels), not max_periods")
    if bounds.min is None or bounds.max is None:
        raise InvalidInput(f"{regressor!r} is numeric: give bounds.min and bounds.max, the levels it may be set to")
    if not (math.isfinite(bounds.min) and math.isfinite(bounds.max)) or bounds.min > bounds.max:
        raise InvalidInput(f"bounds.min ({bounds.min}) must be a finite number not above bounds.max ({bounds.max})")


def _reach(totals: np.ndarray, target: float) -> float:
    return np.count_nonzero(totals >= target) / totals.size  # what assess() says, without its sort


def _numeric(parts: Sequence[Lever], plain: np.ndarray, baseline: Feasibility, goal: _Goal) -> Solution:
    target, regressor, probability, bounds = goal.target, goal.regressor, goal.probability, goal.bounds
    assert bounds.min is not None and bounds.max is not None
    lo, hi = bounds.min, bounds.max
    current = float(np.concatenate([b.x0 for b in parts]).mean())
    periods = int(np.unique(np.concatenate([b.day for b in parts])).size)

    linear: tuple[np.ndarray, np.ndarray | float] | None = None

    def totals(level: float) -> np.ndarray:
        return linear[0] + linear[1] * level if linear is not None else plain + total_change(parts, level)

    def done(method: Method, level: float | None, reached: bool, message: str) -> Solution:
        answer = baseline if level is None else assess(totals(level), target, goal.cutoffs)
        return Solution(reached, "numeric", method, level, current, None, periods, answer, baseline, message)

    with np.errstate(over="ignore", invalid="ignore"):
        terms = [t for b in parts if (t := b.linear_on(lo, hi)) is not None]
        if len(terms) == len(parts):  # then a level costs O(n_samples), not a pass over the rows
            linear = (plain + add_sums(a for a, _ in terms), add_sums(b for _, b in terms))
        finite = all(np.isfinite(totals(x)).all() for x in (lo, hi))
    if not finite:
        raise InvalidInput(f"bounds {lo:g}..{hi:g} of {regressor!r} forecast non-finite sales: give plausible levels")
    if baseline.probability >= probability:
        return done("none", None, True, f"the plan already reaches it: no change of {regressor} is needed")
    signs = np.sign(np.concatenate([b.slope for b in parts]))
    if not signs.any():
        return done("none", None, False, f"{regressor} has no fitted effect on these series: no level changes it")
    tol = max((hi - lo) * 1e-6, 1e-12)
    if (signs >= 0).all() or (signs <= 0).all():
        up = bool((signs >= 0).all())  # raising the level raises every sample
        best = hi if up else lo
        if _reach(totals(best), target) < probability:
            return done("bisection", best, False, _short(regressor, best, probability))
        far, near = (lo, hi) if up else (hi, lo)  # far: the other end, which may not reach
        if _reach(totals(far), target) >= probability:
            near = far
        while abs(near - far) > tol:
            mid = (near + far) / 2
            near, far = (mid, far) if _reach(totals(mid), target) >= probability else (near, mid)
        near = min(max(near + (tol if up else -tol), lo), hi)  # a step past the threshold: no sample on the edge
        level = min(max(current, near), hi) if up else max(min(current, near), lo)
        return done("bisection", level, True, _found(regressor, level, periods))
    # Mixed signs: members pull opposite ways, so the probability need not be monotone in the level.
    anchor = min(max(current, lo), hi)  # the reaching level closest to the plan's is the one closest to this
    grid = np.unique(np.append(np.linspace(lo, hi, SCAN_POINTS), anchor))
    reach = np.array([_reach(totals(x), target) for x in grid])
    mixed = f"; {regressor}'s fitted effects have mixed signs across these series, so {grid.size} levels were scanned"
    ok = np.flatnonzero(reach >= probability)
    if not ok.size:
        best = float(grid[np.argmax(reach)])
        return done("scan", best, False, _short(regressor, best, probability) + mixed)
    j = int(ok[np.argmin(np.abs(grid[ok] - anchor))])
    near = float(grid[j])
    if near != anchor:  # refine between it and its neighbour towards the plan, which does not reach
        far = float(grid[j - 1] if near > anchor else grid[j + 1])
        while abs(near - far) > tol:
            mid = (near + far) / 2
            near, far = (mid, far) if _reach(totals(mid), target) >= probability else (near, mid)
        past = min(max(near + math.copysign(tol, near - far), lo), hi)
        near = past if _reach(totals(past), target) >= probability else near
    return done("scan", near, True, _found(regressor, near, periods) + mixed)


def _found(regressor: str, level: float, periods: int) -> str:
    return f"set {regressor} to {level:.6g} on the {periods} period{'s' * (periods > 1)} still to come"


def _short(regressor: str, best: float, probability: float) -> str:
    return (
        f"the bounds cannot reach probability {probability}: the best they can do is {regressor} = {best:.6g} "
        "(its probability and expected total are given); widen the bounds or lower the target"
    )


def _binary(parts: Sequence[Lever], base: np.ndarray, baseline: Feasibility, goal: _Goal) -> Solution:
    target, regressor, probability, bounds = goal.target, goal.regressor, goal.probability, goal.bounds
    dates = np.unique(np.concatenate([b.day[b.x0 == 0.0] for b in parts]))  # the dates some member has off
    m = dates.size
    gains = np.zeros((m, base.size))  # per date: the change of switching it on for every member off then
    scratch = np.empty((max(b.values.shape[0] for b in parts), base.size))
    for b in parts:
        b.add_switch_gains(gains, np.searchsorted(dates, b.day), scratch)

    def done(method: Method, chosen: Sequence[int], reached: bool, message: str) -> Solution:
        periods = sorted(dt.date.fromordinal(int(dates[j])) for j in chosen)
        answer = assess(base + gains[list(chosen)].sum(axis=0), target, goal.cutoffs) if chosen else baseline
        return Solution(reached, "binary", method, None, None, periods, m, answer, baseline, message)

    if baseline.probability >= probability:
        return done("none", [], True, f"the plan already reaches it: no period of {regressor} needs switching on")
    most = m if bounds.max_periods is None else min(bounds.max_periods, m)
    mean = gains.mean(axis=1)
    ranked = [int(j) for j in np.argsort(-mean, kind="stable") if mean[j] > 0]
    greedy = np.cumsum(gains[ranked], axis=0)  # row k-1: the k dates of largest expected gain switched on
    greedy += base
    best: tuple[float, float, list[int], Method] = (baseline.probability, baseline.expected, [], "none")
    proven = True  # every count so far was searched exhaustively: the count found is the smallest
    for k in range(1, most + 1):
        if proven and math.comb(m, k) <= goal.exact_limit:  # once greedy, greedy: the count is no longer proven
            p, e, chosen = _best_of(gains, base, target, k)
            method: Method = "exhaustive"
        elif k <= len(ranked):
            p, e, chosen = _reach(greedy[k - 1], target), float(greedy[k - 1].mean()), ranked[:k]
            method, proven = "greedy", False
        else:
            break  # no date left that adds to the expected total
        if (p, e) > best[:2]:
            best = (p, e, chosen, method)
        if p >= probability:
            return done(method, chosen, True, f"switch {regressor} on for {k} more period{'s' * (k > 1)}")
    if not m:
        return done("none", [], False, f"{regressor} is on already in every period still to come: nothing to switch on")
    return done(
        best[3],
        best[2],
        False,
        f"the bounds cannot reach probability {probability}: switching {regressor} on for up to {most} of the {m} "
        f"periods still off, the best is {len(best[2])} period(s) (its probability and expected total are given); "
        "raise bounds.max_periods, widen the period or lower the target",
    )


def _best_of(gains: np.ndarray, base: np.ndarray, target: float, k: int) -> tuple[float, float, list[int]]:
    """(probability, expected, dates) of the best k dates of all combinations: highest probability, then expected."""
    best: tuple[float, float, list[int]] = (-1.0, -math.inf, [])
    combos = itertools.combinations(range(gains.shape[0]), k)
    while chunk := list(itertools.islice(combos, 64)):
        totals = base + gains[np.array(chunk)].sum(axis=1)
        reach = np.count_nonzero(totals >= target, axis=1) / base.size
        expected = totals.mean(axis=1)
        j = int(np.lexsort((-expected, -reach))[0])
        if (reach[j], expected[j]) > best[:2]:
            best = (float(reach[j]), float(expected[j]), list(chunk[j]))
    return best

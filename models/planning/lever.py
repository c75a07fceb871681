"""A driver as a lever: how one member's period total moves, sample by sample, with one regressor's value.

The rows a plan change can reach are a member's steps in [start, end] after its history and
without a posted actual (what ``models.forecast.scenario.shifted_parts`` changes). Prophet's
regressor terms are linear, so with the regressor at x (the rest of the plan as the request has it)
a step forecasts ``clip(fixed + slope * x)``, and its samples move to that forecast the way
``shifted_parts`` moves them: scaled for a multiplicative series, shifted (and clipped at zero) for
an additive one. A lever holds its member's samples once, so a new value costs a product of per-step
ratios with them, or on a range where no step clips, ``a + b x`` per sample (``linear_on``).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from models.errors import InvalidInput
from models.forecast.model import ForecastModel, Posted
from models.forecast.scenario import Drivers, PlanChange

__all__ = ["Lever", "add_sums", "levers", "total_change"]


@dataclass
class Lever:
    """One member's changeable steps; the regressor at x forecasts them ``clip(fixed + slope * x)``."""

    values: np.ndarray  # (steps, n_samples): the trained paths' samples
    old: np.ndarray  # the point forecast as trained
    fixed: np.ndarray
    slope: np.ndarray
    x0: np.ndarray  # the regressor's value in the plan (overrides and scenario applied)
    day: np.ndarray  # ordinal dates
    multiplicative: bool
    nonnegative: bool

    def __post_init__(self) -> None:
        self._pos = self.old > 0  # multiplicative steps with a forecast are scaled; the rest move to the new one
        self._scaled = self.values if self._pos.all() else self.values[self._pos]
        self._rest = self.values[~self._pos].sum(axis=0)
        # additive: a shift above -floor clips no sample at zero
        self._floor = np.zeros(0) if self.multiplicative else self.values.min(axis=1)

    def forecast(self, x: float | np.ndarray) -> np.ndarray:
        new = self.fixed + self.slope * x
        return np.clip(new, 0.0, None) if self.nonnegative else new

    def change(self, x: float | np.ndarray) -> np.ndarray | float:
        """Per sample, the change of these steps' total with the regressor at ``x``, as ``shifted_parts`` moves it."""
        new, pos = self.forecast(x), self._pos
        if not self.multiplicative:
            shift = new - self.old
            exact = shift >= -self._floor if self.nonnegative else np.ones(shift.size, dtype=bool)
            if exact.all():
                return float(shift.sum())
            return shift[exact].sum() + np.maximum(shift[~exact, None], -self.values[~exact]).sum(axis=0)
        return (new[pos] / self.old[pos] - 1.0) @ self._scaled + (new[~pos].sum() - self._rest)

    def linear_on(self, lo: float, hi: float) -> tuple[np.ndarray | float, np.ndarray | float] | None:
        """(a, b) with ``change(x) == a + b x`` for every x in [lo, hi] (no step clipped there), else None."""
        ends = [self.fixed + self.slope * x for x in (lo, hi)]  # affine in x: holding at both ends, it holds between
        if self.nonnegative and min(e.min() for e in ends) < 0:
            return None
        if not self.multiplicative:
            if self.nonnegative and any((e - self.old < -self._floor).any() for e in ends):
                return None
            return float((self.fixed - self.old).sum()), float(self.slope.sum())
        pos, old = self._pos, self.old[self._pos]
        a = (self.fixed[pos] / old - 1.0) @ self._scaled + (self.fixed[~pos].sum() - self._rest)
        return a, (self.slope[pos] / old) @ self._scaled + self.slope[~pos].sum()

    def add_switch_gains(self, gains: np.ndarray, index: np.ndarray, scratch: np.ndarray) -> None:
        """Add to ``gains[index[j]]`` each sample's change from switching step j on, where the plan has it off;
        ``scratch``: a buffer of at least this block's shape."""
        off = self.x0 == 0.0
        new0, new1 = self.forecast(self.x0)[off], self.forecast(1.0)[off]
        values, rows = (self.values, index) if off.all() else (self.values[off], index[off])
        if self.multiplicative:
            pos = self._pos[off]
            scale = np.where(pos, (new1 - new0) / np.where(pos, self.old[off], 1.0), 0.0)
            _add(gains, rows, np.multiply(values, scale[:, None], out=scratch[: rows.size]))
            _add(gains, rows[~pos], (new1 - new0)[~pos, None])
            return
        d0, d1 = new0 - self.old[off], new1 - self.old[off]
        exact = (np.minimum(d0, d1) >= -self._floor[off]) | (not self.nonnegative)
        _add(gains, rows[exact], (d1 - d0)[exact, None])
        if not exact.all():
            v = values[~exact]
            _add(gains, rows[~exact], np.maximum(d1[~exact, None], -v) - np.maximum(d0[~exact, None], -v))


def _add(gains: np.ndarray, rows: np.ndarray, change: np.ndarray) -> None:
    """``gains[rows] += change`` for increasing, distinct rows: in place on a view when they run on."""
    if rows.size and rows[-1] - rows[0] + 1 == rows.size:
        gains[rows[0] : rows[-1] + 1] += change
    elif rows.size:
        gains[rows] += change


def levers(
    model: ForecastModel,
    drivers: Drivers,
    ids: Sequence[str],
    start: dt.date,
    end: dt.date,
    posted: Posted,
    change: PlanChange,
    regressor: str,
) -> list[Lever]:
    """A lever per member with steps in [start, end] after its history and not posted, under the plan ``change``
    makes; InvalidInput when no member has one left."""
    spans = []
    for sid in ids:
        i = model._position(sid)
        timeline, n_hist = model._timelines[i], len(model._history_cum[i]) - 1
        a = max(bisect.bisect_left(timeline, start.toordinal()), n_hist) - n_hist
        b = max(bisect.bisect_right(timeline, end.toordinal()), n_hist) - n_hist
        keep = np.ones(max(b - a, 0), dtype=bool)
        if sid in posted:  # posted periods are actuals: no plan applies to them (as in shifted_parts)
            keep &= ~np.isin(np.arange(a, b), [bisect.bisect_left(timeline, d) - n_hist for d, _ in posted[sid]])
        if keep.any():
            spans.append((sid, i, a, b, keep))
    # One buffer for every member's samples: one allocation, not one (page-faulted) temporary per member.
    buffer = np.empty((sum(b - a for _, _, a, b, _ in spans), model.n_samples))
    k_r, out, row = drivers.regressors.index(regressor), [], 0
    for sid, i, a, b, keep in spans:
        values, row = buffer[row : row + b - a], row + b - a
        np.subtract(model._cum[i, a + 1 : b + 1], model._cum[i, a:b], out=values, dtype=model._cum.dtype)
        steps, n_hist = np.arange(a, b)[keep], len(model._history_cum[i]) - 1
        planned, effect = drivers.plan[i][k_r].copy(), np.zeros(model.horizon)
        for k, r in enumerate(drivers.regressors):
            for step, x in change.get(sid, {}).get(r, {}).items():
                effect[step] += drivers.coef[i, k] * (x - drivers.plan[i][k, step])
                if r == regressor:
                    planned[step] = x
        sens, coef, x0 = drivers.terms[i, 0, steps], drivers.coef[i, k_r], planned[steps]
        fixed = drivers.terms[i, 1, steps] + sens * (effect[steps] - coef * x0)
        days = np.array(model._timelines[i][n_hist + a : n_hist + b], dtype=np.int64)[keep]
        mult = model.infos[i].multiplicative
        values = values if keep.all() else values[keep]
        out.append(Lever(values, model._yhat[i, steps], fixed, sens * coef, x0, days, mult, drivers.nonnegative))
    if not out:
        raise InvalidInput(
            f"{start}..{end} has no period left to change for {len(ids)} series: it is recorded already "
            "(training history or posted actuals); choose a period after the history"
        )
    return out


def add_sums(parts: Iterable[np.ndarray | float]) -> np.ndarray | float:
    """The sum of per-sample arrays and scalars (a lever whose change is the same in every sample)."""
    total: np.ndarray | float = 0.0
    for part in parts:
        total = total + part
    return total


def total_change(parts: Sequence[Lever], x: float | None = None) -> np.ndarray | float:
    """Per sample, the period total's change over the plain paths with the regressor at x (None: as planned)."""
    return add_sums(b.change(b.x0 if x is None else x) for b in parts)

"""A pooled pull of every series' forecast toward two naive anchors, weighted by the folds.

Per series the folds choose how much Prophet and AutoETS to trust (``models.forecast.fit``), but
three folds also reward a model for chasing the folds' own noise: a trend that ran on, a season
fitted too sharply. Measured on ``sentinel evaluate``'s windows (before this step), forecasts
that moved far from the series' recent level came out too far: on dunnhumby the actual landed
+15% to +38% above a forecast that had the series falling, and 7-17% below one that had it rising
(the target probabilities' tails were off by as much). A forecast combined with a naive one is the
classic remedy (the M competitions' combinations), so the final forecast is

    (1 - a) * ours + a * anchor

with ``anchor`` one of two naive forecasts of the series, or their mean:

* ``recent``: the recent level, the mean of the last ``horizon`` periods (or, when a horizon holds
  whole weeks of days, the mean weekly shape of those weeks) carried forward flat;
* ``year``: the same periods a year before, moved by how the last ``horizon`` periods compare with
  the same periods a year before that (a ratio for series on the log scale, a difference otherwise);
* ``both``: their mean.

The kind and ``a`` (0 to 0.5) are *one* choice for the whole model, made on every series' folds
together (thousands of fold windows, not three): the lowest weight within one standard error of
the lowest mean fold MASE. With drivers the
anchors are computed on the driver-adjusted history and get the plan's effects back, as AutoETS
does (``components.ets_with_drivers``): every member hears the plan, and a scenario still shifts
the forecast by the drivers' full effect (``plan_terms``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from models.forecast.components import Adjusted
from models.forecast.contracts import Frequency, Y
from models.forecast.scores import mase, smape

if TYPE_CHECKING:
    from models.forecast.fit import SeriesFit

__all__ = ["ANCHOR_KINDS", "ANCHOR_WEIGHTS", "Anchoring", "anchor_all", "naive_anchors", "anchors_with_drivers"]

ANCHOR_KINDS = ("recent", "year", "both")
ANCHOR_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
YEAR_LAG = {"daily": 364, "weekly": 52, "monthly": 12}  # 52 weeks of days keep the weekdays aligned


def _recent(y: np.ndarray, horizon: int, season: int) -> np.ndarray:
    if season < horizon and len(y) >= season:
        k = min(horizon // season, len(y) // season)
        return np.resize(y[-k * season :].reshape(k, season).mean(axis=0), horizon)
    return np.full(horizon, y[-horizon:].mean())


def _year(y: np.ndarray, horizon: int, lag: int, multiplicative: bool) -> np.ndarray | None:
    width = min(horizon, lag)
    if len(y) < lag + width:
        return None
    last_year = y[len(y) - lag + np.arange(horizon) % lag]
    now, then = y[-width:], y[len(y) - lag - width : len(y) - lag]
    if multiplicative:
        return last_year * now.sum() / then.sum() if then.sum() > 0 and now.sum() > 0 else None
    return last_year + now.mean() - then.mean()


def naive_anchors(y: np.ndarray, freq: Frequency, horizon: int, multiplicative: bool) -> np.ndarray:
    """(3, horizon): the ``recent``, ``year`` and ``both`` anchors of history ``y``.

    Where ``y`` holds less than a year and a horizon (or a log-scale series' sums are not
    positive), ``year`` and ``both`` are ``recent``.
    """
    recent = _recent(y, horizon, freq.season_length)
    year = _year(y, horizon, YEAR_LAG[freq.kind], multiplicative)
    year = recent if year is None else year
    return np.stack([recent, year, (recent + year) / 2])


def anchors_with_drivers(
    history: pd.DataFrame, prediction: pd.DataFrame | None, freq: Frequency, horizon: int, multiplicative: bool
) -> np.ndarray:
    """``naive_anchors`` of the driver-adjusted history with the plan's effects put back.

    As ``components.ets_with_drivers`` (``components.Adjusted``): the regressors' effect divided
    out (subtracted) over Prophet's window, closed periods taken as Prophet's in-sample forecast.
    Without a prediction they are the anchors of the plain history.
    """
    if prediction is None:
        return naive_anchors(history[Y].to_numpy(dtype=float), freq, horizon, multiplicative)
    adjusted = Adjusted.of(history, prediction, horizon, multiplicative)
    return adjusted.put_back(naive_anchors(adjusted.y, freq, horizon, multiplicative))


@dataclass
class Anchoring:
    """What one series needs for the pooled choice and to apply it; dropped once applied.

    ``folds``: per fold (most recent first) the actuals, our combined forecast before the clip
    at zero, the (3, h) anchors, the fold's MASE scale and its closed periods. ``ours`` / ``anchors``:
    the same for the final forecast; ``sensitivity``: (3, horizon) the anchors' change per unit of
    regressor effect (as ``effects.plan_terms`` row 0), None without drivers.
    """

    folds: list[tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]]
    ours: np.ndarray
    anchors: np.ndarray
    sensitivity: np.ndarray | None
    floor: float  # standardised_errors' floor for log-scale series

    def fold_mase(self, nonnegative: bool) -> np.ndarray:
        """(kinds, weights): the mean fold MASE of every option (NaN without folds)."""
        out = np.full((len(ANCHOR_KINDS), len(ANCHOR_WEIGHTS)), np.nan)
        if not self.folds:
            return out
        for i in range(len(ANCHOR_KINDS)):
            for j, a in enumerate(ANCHOR_WEIGHTS):
                scores = [
                    mase(actual[~shut], _blend(ours, anchors[i], a, nonnegative, shut)[~shut], scale)
                    for actual, ours, anchors, scale, shut in self.folds
                    if (~shut).any()
                ]
                out[i, j] = np.mean(scores) if scores else np.nan
        return out

    def apply(self, fit: SeriesFit, kind: int, a: float, nonnegative: bool) -> None:
        """Pull ``fit`` toward anchor ``kind`` by ``a``: its forecast, fold errors, latest fold's
        scores and, with drivers, its ``plan_terms`` (each the same mix of ours and the anchor's)."""
        from models.forecast.fit import standardised_errors

        fit.yhat = _blend(self.ours, self.anchors[kind], a, nonnegative, fit.closed)
        for k, (actual, ours, anchors, scale, shut) in enumerate(self.folds):
            f = _blend(ours, anchors[kind], a, nonnegative, shut)
            z = standardised_errors(actual, f, fit.error_scale, fit.multiplicative, self.floor)
            fit.errors[k, : len(actual)] = np.where(shut, np.nan, z)
            if k == 0 and (~shut).any():
                fit.backtest.update(mase=mase(actual[~shut], f[~shut], scale), smape=smape(actual[~shut], f[~shut]))
        if fit.plan_terms is not None and self.sensitivity is not None:
            terms = fit.plan_terms
            terms[0] = (1 - a) * terms[0] + a * self.sensitivity[kind]
            terms[1] = (1 - a) * terms[1] + a * self.anchors[kind]
            if fit.closed is not None:
                terms[:, fit.closed[: terms.shape[1]]] = 0.0


def _blend(ours: np.ndarray, anchor: np.ndarray, a: float, nonnegative: bool, shut: np.ndarray | None) -> np.ndarray:
    f = ours if a == 0 else (1 - a) * ours + a * anchor[: ours.size]
    f = np.clip(f, 0.0, None) if nonnegative else f
    return f if shut is None or not shut.any() else np.where(shut[: f.size], 0.0, f)


def _one_standard_error(tables: np.ndarray) -> tuple[int, int]:
    """The option of ``tables`` (series, kinds, weights) to take: the lowest weight whose mean fold
    MASE is within one standard error (over series) of the best option's, the lowest mean among those.

    The one-standard-error rule: a pull the folds cannot tell from the best is taken no further
    than needed. On the sample's 24 stores the best by the mean alone was a weight of 0.1 that
    the evaluation windows did not bear out (MASE 0.580 -> 0.585, ECE 0.045 -> 0.050).
    """
    mean = tables.mean(axis=0)
    bi, bj = (int(k) for k in np.unravel_index(int(np.argmin(mean)), mean.shape))
    n = len(tables)
    gap = tables - tables[:, bi, bj][:, None, None]
    se = gap.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(mean.shape, np.inf)
    close = mean - mean[bi, bj] <= se
    j = int(np.flatnonzero(close.any(axis=0))[0])  # the lowest weight with an option that close
    i = int(np.argmin(np.where(close[:, j], mean[:, j], np.inf)))
    return i, j


def anchor_all(fits: Sequence[SeriesFit], nonnegative: bool) -> dict[str, object]:
    """Choose the kind and weight on every series' folds together and apply them; the choice and its fold MASE.

    Fits without ``anchoring`` (fitted without the ensemble) are left as they are.
    """
    anchored = [f for f in fits if f.anchoring is not None]
    scored = [m for f in anchored if np.isfinite(m := f.anchoring.fold_mase(nonnegative)).all()]  # type: ignore[union-attr]
    i, j = _one_standard_error(np.stack(scored)) if scored else (0, 0)  # weight 0: nothing to apply
    for fit in anchored:
        assert fit.anchoring is not None
        if ANCHOR_WEIGHTS[j] > 0:
            fit.anchoring.apply(fit, i, ANCHOR_WEIGHTS[j], nonnegative)
        fit.anchoring = None
    if not scored:
        return {"kind": "none", "weight": 0.0}
    table = np.mean(scored, axis=0)
    return {
        "kind": ANCHOR_KINDS[i] if ANCHOR_WEIGHTS[j] > 0 else "none",
        "weight": ANCHOR_WEIGHTS[j],
        "series": len(scored),
        "fold_mase": {
            k: dict(zip(map(str, ANCHOR_WEIGHTS), map(float, np.round(row, 4)), strict=True))
            for k, row in zip(ANCHOR_KINDS, table, strict=True)
        },
    }

"""The forecaster: Prophet per series, combined with AutoETS where that backtests better.

``fit_series`` does everything that concerns one series (it runs in a worker process):

1. fits Prophet on the full history (multiplicative seasonality for positive series, trend
   changepoints allowed until 95% of a recent window);
2. fits Prophet and AutoETS at ``calibration_folds`` rolling origins inside the history and
   forecasts the full horizon from each;
3. picks the Prophet weight (1.0, or with AutoETS 0.5, and for days also 0.25 or 0) with the
   lowest fold MASE, a per-series choice recorded in the manifest (forecast combinations won M4
   and M5), and fits AutoETS on the full history only when a combination won. At weight 0 the
   level and weekly shape are AutoETS's, while Prophet still gives the drivers' effects it was
   adjusted by (and on days over more than a month, the year's shape:
   ``components.ets_sees_year``). With drivers, the same forecaster without them competes on
   the folds' shape (``drivers_left_out``);
4. returns the point forecast and the fold errors as *standardised error paths*, which
   ``models.forecast.calibration`` pools across series into the predictive distribution.

With drivers (``config.regressors``, an ``is_open`` column; see ``models.forecast.drivers`` and
``models.forecast.effects``) every fit, the folds' included, is given the regressor values of the
window it forecasts: a fold's are the values that happened (the plan as it turned out), the full
forecast's are the plan. Closed periods are left out of the fit, forecast as 0 and never scored.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from models.forecast import anchor
from models.forecast.components import (  # noqa: F401 - make_prophet, ets_season_length: moved there
    ETS_WINDOW,
    OPEN,
    blend,
    combine,
    ets_season_length,
    ets_sees_year,
    ets_with_drivers,
    make_prophet,
    prophet_forecast,
)
from models.forecast.contracts import SERIES_ID, Frequency, Y
from models.forecast.country_holidays import check_country_holidays, period_holidays  # noqa: F401 - moved there
from models.forecast.effects import adjusted_sensitivity, open_scale, plan_terms, regressor_effects
from models.forecast.scores import mase, smape

if TYPE_CHECKING:
    from prophet import Prophet

    from models.forecast.validation import SalesHistory

__all__ = [
    "drivers_left_out",
    "ForecastConfig",
    "SeasonalityMode",
    "SeriesFit",
    "default_folds",
    "fit_series",
    "fold_min_history",
    "standardised_errors",
]

log = logging.getLogger(__name__)

ENSEMBLE_KINDS = frozenset(ETS_WINDOW)
# The Prophet weights a series' folds choose from, per frequency. Days may lean on AutoETS, which
# follows a wandering level (regional demand shocks) that Prophet's trend does not. On the sample
# (24 daily stores, US holidays, promo), (1, 0.5) -> (1, 0.5, 0.25, 0): at 28 days MASE 0.593 ->
# 0.580, target Brier 0.102 -> 0.082; at the `make run` horizon of 365 days, with AutoETS given
# Prophet's year there, 1.035 -> 0.811, Brier 0.153 -> 0.091, period-total bias -5.5% -> -1.8%.
# Weeks and months keep (1, 0.5): there the finer grid only fitted the few folds' noise
# (aus_retail MASE 0.998 -> 1.026, 80% coverage 0.80 -> 0.76; walmart_store_dept 0.763 -> 0.768).
PROPHET_WEIGHTS = {"daily": (1.0, 0.5, 0.25, 0.0), "weekly": (1.0, 0.5), "monthly": (1.0, 0.5)}
MAX_LOG_SCALE = 0.7  # typical seasonal change of at most ~100% (log 2) for log-scale errors
SeasonalityMode = Literal["auto", "additive", "multiplicative"]


def default_folds(n_series: int) -> int:
    """Rolling origins per series: enough that the pooled library holds ~100 error paths."""
    return max(3, min(8, math.ceil(100 / max(n_series, 1))))


@dataclass(frozen=True)
class ForecastConfig:
    """Training parameters of the forecast model; stored in the manifest."""

    horizon: int
    n_samples: int = 1000
    country_holidays: str | None = None
    seasonality_mode: SeasonalityMode = "auto"
    changepoint_prior_scale: float = 0.05
    changepoint_range: float = 0.95
    nonnegative: bool = True
    ensemble: bool = True
    calibration_folds: int = 3
    seed: int = 0
    regressors: tuple[str, ...] = ()  # driver columns each fit is given (models.forecast.drivers)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def for_history(
        cls,
        history: SalesHistory,
        *,
        horizon: int | None = None,
        n_samples: int = 1000,
        country_holidays: str | None = None,
        seasonality_mode: SeasonalityMode = "auto",
        nonnegative: bool = True,
        ensemble: bool = True,
        calibration_folds: int | None = None,
        regressors: tuple[str, ...] = (),
    ) -> ForecastConfig:
        """The configuration training, evaluation and the retrain gate use for a validated history.

        What is left unset follows the data: the horizon is a year at the history's frequency,
        and the rolling origins are as many as make the pooled error library ~100 paths.
        """
        n_series = int(history.frame[SERIES_ID].nunique())
        return cls(
            horizon=horizon or history.freq.default_horizon,
            n_samples=n_samples,
            country_holidays=country_holidays,
            seasonality_mode=seasonality_mode,
            nonnegative=nonnegative,
            ensemble=ensemble,
            calibration_folds=calibration_folds or default_folds(n_series),
            regressors=tuple(regressors),
        )


@dataclass
class SeriesFit:
    """What training keeps of one series; ``paths`` is filled by calibration."""

    series_id: str
    model_json: str
    yhat: np.ndarray  # (horizon,) point forecast
    errors: np.ndarray  # (folds, horizon) standardised fold errors, NaN where unobserved
    error_scale: float  # d_s: errors are in units of the series' seasonal-naive change
    multiplicative: bool  # errors on the log scale (True) or the original scale
    model: str  # "prophet" or "prophet+ets"
    prophet_weight: float
    fit_seconds: float
    backtest: dict[str, float] = field(default_factory=dict)
    paths: np.ndarray | None = None  # (n_samples, horizon) float32 after calibration
    effects: dict[str, dict[str, object]] = field(default_factory=dict)  # per regressor, see effects.py
    closed: np.ndarray | None = None  # (horizon,) bool: planned closed periods, whose paths are 0
    plan_terms: np.ndarray | None = None  # (2, horizon) with regressors: effects.plan_terms, for scenarios
    anchoring: anchor.Anchoring | None = None  # for the pooled pull toward naive anchors; None once applied


YEAR = {"daily": 365, "weekly": 52, "monthly": 12}


def fold_min_history(freq: Frequency) -> int:
    """Periods a calibration fold trains on at least (1.5 years), so that it sees the yearly shape."""
    return math.ceil(1.5 * YEAR[freq.kind])


def _fold_cutoffs(n: int, horizon: int, folds: int, freq: Frequency) -> list[int]:
    """Training lengths of the rolling origins, most recent first.

    Origins are half a horizon apart, so the folds sample different periods of the year, and
    each keeps at least 1.5 years of history (or what there is) so it sees the yearly shape.
    """
    stride = max(1, math.ceil(horizon / 2))
    floor = max(freq.min_length, min(n - horizon, fold_min_history(freq)))
    cuts = sorted({max(floor, n - horizon - k * stride) for k in range(folds)}, reverse=True)
    return [c for c in cuts if c < n]


def standardised_errors(
    actual: np.ndarray, forecast: np.ndarray, scale: float, multiplicative: bool, floor: float = 1e-9
) -> np.ndarray:
    """Fold errors in units of the series' typical seasonal change (log scale if multiplicative).

    On the log scale both sides are floored at ``floor`` (half the series' lowest value): a fold
    forecast clipped to 0 would otherwise be an error of ~20 / scale, and that error path, pooled
    and re-scaled to other series, a sample path a million times their forecast.
    """
    if multiplicative:
        return (np.log(np.maximum(actual, floor)) - np.log(np.maximum(forecast, floor))) / scale
    return (actual - forecast) / scale


def _comfortably_positive(y: np.ndarray, season_length: int) -> bool:
    """Multiplicative (log-scale) errors suit series well away from zero. Tiny, volatile values
    (intermittent departments, say) swing by orders of magnitude on the log scale, and pooled
    log errors scaled by that swing explode; such series are calibrated additively instead."""
    return bool((y > 0).all()) and open_scale(y, y > 0, season_length, log=True) <= MAX_LOG_SCALE


def _mase_open(actual: np.ndarray, forecast: np.ndarray, scale: float, shut: np.ndarray) -> float:
    return mase(actual[~shut], forecast[~shut], scale) if (~shut).any() else 0.0


@dataclass
class _Members:
    """Prophet (and AutoETS) of one series with one set of regressors: the full fit and the folds."""

    regressors: tuple[str, ...]
    in_sample: bool  # AutoETS fits the adjusted history (drivers, closed periods, or the year on days)
    prophet: Prophet
    p_full: np.ndarray
    prediction: pd.DataFrame | None
    folds: list[tuple[np.ndarray, np.ndarray, np.ndarray | None, float, np.ndarray]]  # actual, p, e, scale, shut
    fold_anchors: list[np.ndarray]  # per fold its (3, h) naive anchors (``models.forecast.anchor``); [] without

    @classmethod
    def fit(
        cls,
        history: pd.DataFrame,
        y: np.ndarray,
        is_open: np.ndarray,
        freq: Frequency,
        config: ForecastConfig,
        plan: pd.DataFrame | None,
        multiplicative: bool,
    ) -> _Members:
        h = config.horizon
        with_ets = config.ensemble and freq.kind in ENSEMBLE_KINDS
        # AutoETS fits the adjusted history: of the drivers, the closed periods, and a long horizon's year.
        in_sample = with_ets and (bool(config.regressors) or not is_open.all() or not ets_sees_year(freq, h))
        full = in_sample or plan is not None  # with a plan the trend is kept for scenarios
        prophet, p_full, prediction = prophet_forecast(history, freq, config, h, multiplicative, plan, full)
        folds, fold_anchors = [], []  # the most recent origin first
        form = None  # AutoETS's form is searched on the longest fold, then kept while the season length holds
        for cut in _fold_cutoffs(len(y), h, config.calibration_folds, freq):
            train, actual, window = history.iloc[:cut], y[cut : cut + h], history.iloc[cut : cut + h]
            _, p, pred = prophet_forecast(train, freq, config, len(actual), multiplicative, window, in_sample)
            e, form = (
                ets_with_drivers(train, pred, freq, len(actual), multiplicative, form) if with_ets else (None, None)
            )
            shut = ~is_open[cut : cut + h]
            folds.append((actual, p, e, open_scale(y[:cut], is_open[:cut], freq.season_length), shut))
            if config.ensemble:
                fold_anchors.append(anchor.anchors_with_drivers(train, pred, freq, len(actual), multiplicative))
        return cls(config.regressors, in_sample, prophet, p_full, prediction, folds, fold_anchors)

    def weights(self, grid: tuple[float, ...]) -> list[float]:
        """The Prophet weights of ``grid`` open to this fit: a combination only where AutoETS fitted every fold."""
        ets_ok = all(f[2] is not None for f in self.folds)
        return [w for w in grid if w == 1.0 or ets_ok]

    def fold_scores(self, weight: float, nonnegative: bool, levelled: bool = False) -> np.ndarray:
        """Each fold's MASE of the combination with ``weight``; ``levelled``: of the forecast shifted
        so that its mean over the fold's open periods is the actual mean (the shape's error alone)."""
        out = []
        for a, p, e, s, c in self.folds:
            f = combine(p, e, weight, nonnegative, c)
            if levelled and (~c).any():
                f = f + float(np.mean(a[~c] - f[~c]))
            out.append(_mase_open(a, f, s, c))
        return np.array(out)

    def best_weight(self, grid: tuple[float, ...], nonnegative: bool) -> float:
        """The weight of ``grid`` with the lowest mean fold MASE (the higher weight on a tie; 1 without folds)."""

        def mean_mase(w: float) -> float:
            scores = self.fold_scores(w, nonnegative)
            return float(scores.mean()) if scores.size else 0.0

        return min(self.weights(grid), key=lambda w: (mean_mase(w), -w))


def drivers_left_out(with_drivers: np.ndarray, without: np.ndarray) -> bool:
    """Whether a series' model leaves its drivers out: a lower mean levelled fold MASE without them.

    Levelled (``_Members.fold_scores``): each fold's forecast shifted to the fold's actual mean, so
    what is compared is how well the periods' pattern (promotion days, markdown weeks) was
    forecast, not how far the trend ran off over the horizon. A tie keeps the drivers asked for.
    """
    return bool(without.size) and float(without.mean()) < float(with_drivers.mean())


def fit_series(
    series_id: str, history: pd.DataFrame, freq: Frequency, config: ForecastConfig, plan: pd.DataFrame | None = None
) -> SeriesFit:
    """Fit one series (``ds``, ``y`` sorted, regular): point forecast and fold error paths.

    With drivers, ``history`` also holds the ``config.regressors`` columns (and ``is_open``), and
    ``plan`` their values over the ``config.horizon`` periods after it.
    """
    from prophet.serialize import model_to_json

    started = time.perf_counter()
    y = history[Y].to_numpy(dtype=float)
    is_open = history[OPEN].to_numpy() == 1 if OPEN in history else np.ones(len(y), dtype=bool)
    multiplicative = config.seasonality_mode == "multiplicative" or (
        config.seasonality_mode == "auto" and _comfortably_positive(y[is_open], freq.season_length)
    )
    h = config.horizon
    with_ets = config.ensemble and freq.kind in ENSEMBLE_KINDS
    # With regressors, the forecaster without them competes too: drivers that forecast the shape of
    # the series' folds worse (markdowns on most Walmart departments) are left out of its model.
    # The shape, not the plain fold MASE: over long horizons the folds' errors are mostly where
    # Prophet's trend ran off to, which a regressor nudges at random, and plain MASE left a true 22%
    # promotion out of 13 of the 24 sample stores at the 365-day horizon.
    candidates = [
        _Members.fit(history, y, is_open, freq, replace(config, regressors=r), plan, multiplicative)
        for r in ([config.regressors, ()] if config.regressors else [()])
    ]
    grid = PROPHET_WEIGHTS[freq.kind] if with_ets else (1.0,)
    weights = [m.best_weight(grid, config.nonnegative) for m in candidates]
    shapes = [m.fold_scores(w, config.nonnegative, levelled=True) for m, w in zip(candidates, weights, strict=True)]
    pick = 1 if len(candidates) == 2 and drivers_left_out(shapes[0], shapes[1]) else 0
    weight, chosen = weights[pick], candidates[pick]
    prophet, p_full, pred_full, folds = chosen.prophet, chosen.p_full, chosen.prediction, chosen.folds
    closed = plan[OPEN].to_numpy()[:h] == 0 if plan is not None and OPEN in plan else None

    def score(a: np.ndarray, f: np.ndarray, s: float, shut: np.ndarray) -> float:
        return _mase_open(a, f, s, shut)

    e_full = None
    if weight != 1.0:  # AutoETS on the whole history only for a series whose folds chose the combination
        e_full, _ = ets_with_drivers(history, pred_full if chosen.in_sample else None, freq, h, multiplicative)
        weight = weight if e_full is not None else 1.0
    d_s = open_scale(y, is_open, freq.season_length, log=multiplicative)
    errors = np.full((len(folds), h), np.nan)
    floor = 0.5 * float(y[is_open].min()) if multiplicative else 0.0  # multiplicative: open y all positive
    for k, (actual, p, e, _, shut) in enumerate(folds):
        combined = combine(p, e, weight, config.nonnegative, shut)
        errors[k, : len(actual)] = np.where(
            shut, np.nan, standardised_errors(actual, combined, d_s, multiplicative, floor)
        )
    backtest: dict[str, float] = {}
    if folds:
        actual, p, e, scale, shut = folds[0]
        combined = combine(p, e, weight, config.nonnegative, shut)
        backtest = {
            "horizon": len(actual),
            "mase": score(actual, combined, scale, shut),
            "smape": smape(actual[~shut], combined[~shut]) if (~shut).any() else 0.0,
        }
    anchoring = None
    if config.ensemble:
        # The anchors hear the plan where AutoETS does: from the chosen model's adjusted history.
        anchors = anchor.anchors_with_drivers(history, pred_full if chosen.in_sample else None, freq, h, multiplicative)
        anchoring = anchor.Anchoring(
            folds=[
                (a, blend(p, e, weight), n, s, shut)
                for (a, p, e, s, shut), n in zip(folds, chosen.fold_anchors, strict=True)
            ],
            ours=blend(p_full, e_full, weight),
            anchors=anchors,
            sensitivity=(adjusted_sensitivity(anchors, pred_full) if multiplicative else np.ones_like(anchors))
            if config.regressors and pred_full is not None
            else None,
            floor=floor,
        )
    return SeriesFit(
        series_id=series_id,
        model_json=model_to_json(prophet),
        yhat=combine(p_full, e_full, weight, config.nonnegative, closed),
        errors=errors,
        error_scale=d_s,
        multiplicative=multiplicative,
        model="prophet" if weight == 1.0 else "prophet+ets",
        prophet_weight=weight,
        fit_seconds=time.perf_counter() - started,
        backtest=backtest,
        effects=regressor_effects(prophet, config.regressors, multiplicative, left_out=chosen.regressors == ())
        if config.regressors
        else {},
        closed=closed,
        plan_terms=plan_terms(pred_full, p_full, e_full, weight, multiplicative, closed) if config.regressors else None,
        anchoring=anchoring,
    )

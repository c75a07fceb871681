"""The reference forecasters that ``sentinel evaluate`` compares ours against.

Each returns a ``PeerForecast``: a point forecast plus, where the method has one, either joint
sample paths (Prophet) or per-step normal marginals (AutoETS's intervals). A period-sum
probability from per-step marginals has to assume independent steps; that is the honest best
such a peer can do, and it is labelled so in the report.

``prophet_regressors`` is the peer that hears the drivers too: Prophet exactly as
``prophet_default`` runs it plus ``add_regressor`` for each regressor, the way a user would call it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.forecast.contracts import DS, Frequency, Y
from models.forecast.fit import ets_season_length
from models.forecast.plan import OPEN

__all__ = ["PeerForecast", "auto_ets", "prophet_default", "prophet_regressors", "seasonal_naive"]

_Z80 = 1.2815515655446004


@dataclass
class PeerForecast:
    yhat: np.ndarray
    paths: np.ndarray | None = None  # (n_samples, H) joint sample paths
    sd: np.ndarray | None = None  # (H,) normal marginal standard deviations

    def interval(self, level: float) -> tuple[np.ndarray, np.ndarray] | None:
        if self.paths is not None:
            lo, hi = np.quantile(self.paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
            return lo, hi
        if self.sd is not None:
            from scipy.stats import norm

            z = norm.ppf((1 + level) / 2)
            return self.yhat - z * self.sd, self.yhat + z * self.sd
        return None

    def probability_at_least(self, target: float) -> float | None:
        """P(sum over the horizon ≥ target)."""
        if self.paths is not None:
            return float(np.mean(self.paths.sum(axis=1) >= target))
        if self.sd is not None:
            from scipy.stats import norm

            return float(norm.sf(target, loc=self.yhat.sum(), scale=max(np.sqrt((self.sd**2).sum()), 1e-12)))
        return None


def prophet_default(history: pd.DataFrame, freq: Frequency, horizon: int, n_samples: int = 1000) -> PeerForecast:
    """Prophet exactly as it comes (default settings), with its own predictive samples."""
    return _prophet(history, freq, horizon, n_samples)


def prophet_regressors(
    history: pd.DataFrame,
    freq: Frequency,
    horizon: int,
    plan: pd.DataFrame,
    regressors: tuple[str, ...],
    n_samples: int = 1000,
) -> PeerForecast:
    """``prophet_default`` plus ``add_regressor`` for each of ``regressors`` (in Prophet's seasonality
    mode), forecasting with ``plan``'s values; closed periods (``is_open`` 0) are not fitted and
    are forecast as exactly 0, as ours are.
    """
    return _prophet(history, freq, horizon, n_samples, regressors, plan)


def _prophet(
    history: pd.DataFrame,
    freq: Frequency,
    horizon: int,
    n_samples: int,
    regressors: tuple[str, ...] = (),
    plan: pd.DataFrame | None = None,
) -> PeerForecast:
    from prophet import Prophet

    model = Prophet(uncertainty_samples=n_samples)
    for r in regressors:
        model.add_regressor(r, mode=model.seasonality_mode)
    fitted = history[history[OPEN] == 1] if OPEN in history and plan is not None else history
    model.fit(fitted[[DS, Y, *regressors]])
    future = pd.DataFrame({DS: pd.date_range(history[DS].iloc[-1], periods=horizon + 1, freq=freq.alias)[1:]})
    for r in regressors:
        future[r] = plan[r].to_numpy(dtype=float)[:horizon] if plan is not None else 0.0
    np.random.seed(0)
    paths = model.predictive_samples(future)["yhat"].T
    yhat = model.predict(future)["yhat"].to_numpy()
    if plan is not None and OPEN in plan:  # a closed period sells a known 0 on every path
        closed = plan[OPEN].to_numpy()[:horizon] == 0
        yhat[closed], paths[:, closed] = 0.0, 0.0
    return PeerForecast(yhat, paths=paths)


def auto_ets(history: pd.DataFrame, freq: Frequency, horizon: int) -> PeerForecast:
    """statsforecast's AutoETS with its 80% interval read as a normal marginal per step."""
    from statsforecast.models import AutoETS

    y = history[Y].to_numpy(dtype=float)
    out = AutoETS(season_length=ets_season_length(freq, len(y))).fit(y).predict(h=horizon, level=[80])
    sd = (out["hi-80"] - out["lo-80"]) / (2 * _Z80)
    return PeerForecast(out["mean"], sd=sd)


def seasonal_naive(history: pd.DataFrame, freq: Frequency, horizon: int) -> PeerForecast:
    """Last season repeated: a point forecast only."""
    y = history[Y].to_numpy(dtype=float)
    m = freq.season_length if len(y) >= freq.season_length else 1
    return PeerForecast(np.resize(y[-m:], horizon) if m > 1 else np.repeat(y[-1], horizon))

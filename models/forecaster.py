"""Prophet per series, with the sample paths that serving needs to answer without Stan.

``fit_series`` fits one series, draws ``n_samples`` joint sample paths over the forecast
horizon (Prophet simulates trend changes per path, so each path is coherent over time and
period sums keep their real spread) and, optionally, backtests on a holdout of the last periods.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from models.contracts import DS, Frequency, Y
from models.metrics import coverage, mase, seasonal_naive_scale, smape

if TYPE_CHECKING:
    from prophet import Prophet

__all__ = ["ForecastConfig", "SeriesFit", "fit_series", "make_prophet"]


@dataclass(frozen=True)
class ForecastConfig:
    """Training parameters of the forecast model; stored in the manifest."""

    horizon: int
    n_samples: int = 1000
    country_holidays: str | None = None
    seasonality_mode: Literal["additive", "multiplicative"] = "additive"
    changepoint_prior_scale: float = 0.05
    nonnegative: bool = True
    backtest_horizon: int | None = None
    seed: int = 0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class SeriesFit:
    """What training keeps of one series: the model and its sampled future."""

    series_id: str
    model_json: str
    yhat: np.ndarray  # (horizon,) point forecast
    paths: np.ndarray  # (n_samples, horizon) float32 joint sample paths
    fit_seconds: float
    backtest: dict[str, float] = field(default_factory=dict)


def make_prophet(freq: Frequency, history: pd.DataFrame, config: ForecastConfig) -> Prophet:
    """A Prophet model with defaults that suit the frequency and length of ``history``."""
    from prophet import Prophet  # heavy import, kept off the serving path

    span_days = (history[DS].iloc[-1] - history[DS].iloc[0]).days
    model = Prophet(
        growth="linear",
        yearly_seasonality=span_days >= 548,  # 1.5 years: enough to see a year's shape once
        weekly_seasonality=freq.kind == "daily",
        daily_seasonality=False,
        seasonality_mode=config.seasonality_mode,
        changepoint_prior_scale=config.changepoint_prior_scale,
        uncertainty_samples=config.n_samples,
    )
    if config.country_holidays:
        model.add_country_holidays(country_name=config.country_holidays)
    return model


def _fit_and_sample(
    history: pd.DataFrame, freq: Frequency, config: ForecastConfig, horizon: int, seed: int
) -> tuple[Prophet, np.ndarray, np.ndarray]:
    model = make_prophet(freq, history, config)
    model.fit(history[[DS, Y]])
    future = pd.DataFrame({DS: pd.date_range(history[DS].iloc[-1], periods=horizon + 1, freq=freq.alias)[1:]})
    np.random.seed(seed)  # Prophet samples from numpy's global generator
    paths = model.predictive_samples(future)["yhat"].T  # (n_samples, horizon)
    yhat = model.predict(future)["yhat"].to_numpy()
    if config.nonnegative:
        paths = np.clip(paths, 0.0, None)
        yhat = np.clip(yhat, 0.0, None)
    return model, yhat, paths.astype(np.float32)


def fit_series(series_id: str, history: pd.DataFrame, freq: Frequency, config: ForecastConfig) -> SeriesFit:
    """Fit one series (``ds``, ``y`` sorted, regular) and sample its horizon; backtest if asked."""
    from prophet.serialize import model_to_json

    seed = (config.seed + zlib.crc32(series_id.encode())) % 2**32  # stable per series
    started = time.perf_counter()
    model, yhat, paths = _fit_and_sample(history, freq, config, config.horizon, seed)
    fit_seconds = time.perf_counter() - started
    backtest = _backtest(history, freq, config, seed) if config.backtest_horizon else {}
    return SeriesFit(series_id, model_to_json(model), yhat, paths, fit_seconds, backtest)


def _backtest(history: pd.DataFrame, freq: Frequency, config: ForecastConfig, seed: int) -> dict[str, float]:
    """Holdout backtest: refit without the last ``backtest_horizon`` periods and score them."""
    h = int(config.backtest_horizon or 0)
    train, test = history.iloc[:-h], history.iloc[-h:]
    if h <= 0 or len(train) < freq.min_length:
        return {}
    _, yhat, paths = _fit_and_sample(train, freq, config, h, seed)
    actual = test[Y].to_numpy(dtype=float)
    scale = seasonal_naive_scale(train[Y].to_numpy(dtype=float), freq.season_length)
    return {
        "horizon": h,
        "mase": mase(actual, yhat, scale),
        "smape": smape(actual, yhat),
        "coverage_80": coverage(actual, paths, 0.80),
        "coverage_95": coverage(actual, paths, 0.95),
    }

"""A real Prophet fit on a synthetic series with known structure."""

import numpy as np
import pandas as pd
import pytest
from prophet.serialize import model_from_json

from models.contracts import Frequency
from models.forecaster import ForecastConfig, fit_series


@pytest.fixture(scope="module")
def weekly_history() -> pd.DataFrame:
    ds = pd.date_range("2021-01-01", periods=156, freq="W-FRI")
    rng = np.random.default_rng(0)
    y = 1000 + 2 * np.arange(156) + 150 * np.sin(2 * np.pi * ds.day_of_year / 365.25) + rng.normal(0, 20, 156)
    return pd.DataFrame({"ds": ds, "y": y})


def test_fit_draws_non_negative_joint_paths_and_serialises_to_json(weekly_history):
    config = ForecastConfig(horizon=13, n_samples=200, backtest_horizon=13)
    fit = fit_series("s", weekly_history, Frequency("W-FRI"), config)
    assert fit.paths.shape == (200, 13) and fit.paths.dtype == np.float32
    assert (fit.paths >= 0).all()
    assert fit.yhat.shape == (13,)
    assert fit.backtest["mase"] < 1  # beats seasonal naive on a series with clear structure
    assert 0 <= fit.backtest["coverage_80"] <= 1
    restored = model_from_json(fit.model_json)
    assert restored.history["y"].size == 156


def test_sampling_is_reproducible_per_series(weekly_history):
    config = ForecastConfig(horizon=4, n_samples=50)
    a = fit_series("s", weekly_history, Frequency("W-FRI"), config)
    b = fit_series("s", weekly_history, Frequency("W-FRI"), config)
    np.testing.assert_array_equal(a.paths, b.paths)

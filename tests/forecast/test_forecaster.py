"""Real fits on synthetic series with known structure."""

import numpy as np
import pandas as pd
import pytest
from prophet.serialize import model_from_json

from models.errors import InvalidInput
from models.forecast.calibration import calibrate
from models.forecast.contracts import Frequency
from models.forecast.fit import (
    ForecastConfig,
    check_country_holidays,
    ets_season_length,
    fit_series,
    period_holidays,
)


@pytest.fixture(scope="module")
def weekly_history() -> pd.DataFrame:
    ds = pd.date_range("2019-01-04", periods=260, freq="W-FRI")
    rng = np.random.default_rng(0)
    y = 1000 + 2 * np.arange(260) + 150 * np.sin(2 * np.pi * ds.day_of_year / 365.25) + rng.normal(0, 20, 260)
    return pd.DataFrame({"ds": ds, "y": y})


def test_fit_returns_point_forecast_fold_errors_and_prophet_json(weekly_history):
    fit = fit_series("s", weekly_history, Frequency("W-FRI"), ForecastConfig(horizon=13, calibration_folds=3))
    assert fit.yhat.shape == (13,) and (fit.yhat > 0).all()
    assert fit.errors.shape == (3, 13) and not np.isnan(fit.errors).any()
    assert fit.multiplicative  # a positive series is calibrated on the log scale
    assert fit.model in {"prophet", "prophet+ets"}
    assert fit.backtest["mase"] < 1  # beats seasonal naive on a series with clear structure
    assert model_from_json(fit.model_json).history["y"].size == 260


def test_daily_series_take_autoets_when_their_folds_say_it_follows_the_level_better():
    """A wandering level (an AR(1) demand shock) is what Prophet's trend misses and AutoETS follows."""
    rng = np.random.default_rng(3)
    ds = pd.date_range("2022-01-01", periods=800)
    shock = np.zeros(800)
    for i in range(1, 800):
        shock[i] = 0.97 * shock[i - 1] + rng.normal(0, 0.03)
    weekly = np.where(ds.day_of_week >= 5, 1.3, 1.0)
    wandering = pd.DataFrame({"ds": ds, "y": 1000 * weekly * np.exp(shock + rng.normal(0, 0.03, 800))})
    fit = fit_series("d", wandering, Frequency("D"), ForecastConfig(horizon=14, calibration_folds=3))
    assert fit.model == "prophet+ets" and fit.prophet_weight in (0.5, 0.25, 0.0)
    steady = pd.DataFrame({"ds": ds, "y": 1000 * weekly * np.exp(rng.normal(0, 0.03, 800))})
    fit = fit_series("d", steady, Frequency("D"), ForecastConfig(horizon=14, calibration_folds=3))
    assert fit.model == "prophet" and fit.prophet_weight == 1.0


def test_calibrated_paths_are_reproducible_and_non_negative(weekly_history):
    config = ForecastConfig(horizon=8, n_samples=200, calibration_folds=2)
    fits_a = [fit_series("s", weekly_history, Frequency("W-FRI"), config)]
    fits_b = [fit_series("s", weekly_history, Frequency("W-FRI"), config)]
    calibrate(fits_a, 200, nonnegative=True)
    calibrate(fits_b, 200, nonnegative=True)
    assert fits_a[0].paths.shape == (200, 8) and (fits_a[0].paths >= 0).all()
    np.testing.assert_array_equal(fits_a[0].paths, fits_b[0].paths)


def test_tiny_volatile_positive_series_are_calibrated_additively_and_never_overflow():
    from models.forecast.calibration import calibrate

    rng = np.random.default_rng(4)
    ds = pd.date_range("2019-01-04", periods=143, freq="W-FRI")
    intermittent = pd.DataFrame({"ds": ds, "y": np.where(rng.random(143) < 0.5, 0.01, rng.uniform(50, 500, 143))})
    config = ForecastConfig(horizon=8, n_samples=200, calibration_folds=2)
    fit = fit_series("dept", intermittent, Frequency("W-FRI"), config)
    assert not fit.multiplicative  # swings of orders of magnitude: log-scale errors would explode
    calibrate([fit], 200, nonnegative=True)
    assert np.isfinite(fit.paths).all()


def test_country_holidays_land_on_the_period_that_holds_them():
    weekly = period_holidays("US", Frequency("W-FRI"), pd.Timestamp("2010-02-05"), pd.Timestamp("2010-12-31"))
    first_year = weekly[weekly["ds"].dt.year == 2010]
    days = dict(zip(first_year["holiday"], first_year["ds"].dt.strftime("%Y-%m-%d"), strict=True))
    assert days["Thanksgiving Day"] == "2010-11-26"  # Thursday -> the week ending that Friday
    assert days["Labor Day"] == "2010-09-10"
    assert (weekly["holiday"] == "Christmas Day").sum() == 3  # 2010 + two years ahead, once a year
    assert not weekly["holiday"].str.contains("observed").any()
    monthly = period_holidays("US", Frequency("MS"), pd.Timestamp("2010-01-01"), pd.Timestamp("2010-12-01"))
    assert "2010-05-01" in set(monthly.loc[monthly["holiday"] == "Memorial Day", "ds"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(InvalidInput, match="'XX'.*ISO 3166"):
        check_country_holidays("XX")


def test_weekly_holiday_spikes_are_forecast_with_country_holidays(weekly_history):
    thanksgiving = period_holidays("US", Frequency("W-FRI"), pd.Timestamp("2019-01-01"), pd.Timestamp("2024-12-31"))
    weeks = set(thanksgiving.loc[thanksgiving["holiday"] == "Thanksgiving Day", "ds"])
    history = weekly_history.assign(y=weekly_history["y"] + 500 * weekly_history["ds"].isin(weeks))
    config = ForecastConfig(horizon=52, calibration_folds=1, ensemble=False, country_holidays="US")
    fit = fit_series("s", history, Frequency("W-FRI"), config)
    future = pd.date_range(history["ds"].iloc[-1], periods=53, freq="W-FRI")[1:]
    k = int(np.flatnonzero(future.isin(weeks))[0])
    assert fit.yhat[k] - np.mean(fit.yhat[[k - 2, k + 2]]) > 300  # the spike is forecast, not smoothed away


def test_training_warns_about_histories_too_short_for_a_yearly_fold():
    from models.forecast.contracts import DS, SERIES_ID, Y
    from training.jobs.forecast import _short_history_warnings

    def weekly(sid: str, n: int) -> pd.DataFrame:
        return pd.DataFrame({SERIES_ID: sid, DS: pd.date_range("2020-01-03", periods=n, freq="W-FRI"), Y: 1.0})

    frame = pd.concat([weekly("long", 200), weekly("short", 70)])
    (warning,) = _short_history_warnings(frame, Frequency("W-FRI"), horizon=13)
    assert warning.startswith("1 of 2 series have fewer than 91 periods") and "short" in warning
    assert _short_history_warnings(weekly("long", 200), Frequency("W-FRI"), horizon=13) == []


def test_autoets_is_seasonal_only_once_the_history_holds_two_seasons_and_two_periods():
    weekly, daily = Frequency("W-FRI"), Frequency("D")
    assert ets_season_length(weekly, 2 * 52 + 2) == 52 and ets_season_length(weekly, 2 * 52 + 1) == 1
    assert ets_season_length(daily, 16) == 7 and ets_season_length(daily, 15) == 1


def test_daily_autoets_a_year_ahead_keeps_the_yearly_shape_prophet_learned():
    """AutoETS on days has a weekly season: over a long horizon it is given Prophet's year, so June stays a peak."""
    from models.forecast.components import ets_forecast, ets_with_drivers, prophet_forecast

    rng = np.random.default_rng(4)
    ds = pd.date_range("2023-01-01", "2025-12-31")
    season = 1 + 0.3 * np.sin(2 * np.pi * (ds.day_of_year.to_numpy() - 80) / 365.25)  # peak in late June
    history = pd.DataFrame({"ds": ds, "y": 1000 * season * np.exp(rng.normal(0, 0.05, len(ds)))})
    freq, config = Frequency("D"), ForecastConfig(horizon=365)
    _, _, prediction = prophet_forecast(history, freq, config, 365, True, None, in_sample=True)
    given_year, _ = ets_with_drivers(history, prediction, freq, 365, True)
    months = pd.date_range("2026-01-01", periods=365).month

    def june_over_december(f: np.ndarray) -> float:
        return float(f[months == 6].mean() / f[months == 12].mean())

    assert 1.5 < june_over_december(given_year) < 2.0 and (given_year > 0).all()  # the truth: about 1.7
    # (AutoETS alone extrapolated December's fall: negative sales by the next December.)
    _, _, prediction = prophet_forecast(history, freq, config, 28, True, None, in_sample=True)
    month_ahead, _ = ets_with_drivers(history, prediction, freq, 28, True)  # a month: AutoETS as it is
    np.testing.assert_allclose(month_ahead, ets_forecast(history, freq, 28)[0])

"""A changed plan served without Stan reproduces a fresh Prophet predict (and AutoETS's share) exactly."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from prophet.serialize import model_from_json
from prophet.utilities import regressor_coefficients

from models.forecast.calibration import calibrate
from models.forecast.components import ets_with_drivers, prophet_forecast
from models.forecast.contracts import Frequency
from models.forecast.effects import driver_effect, plan_terms
from models.forecast.fit import ForecastConfig, fit_series
from models.forecast.model import ForecastModel, SeriesInfo
from models.forecast.scenario import Drivers, scenario_change, shifted_parts
from models.planning.feasibility import assess
from tests.forecast.test_driver_fit import H, daily_series


def _drivers(fit, plan: pd.DataFrame, regressors: tuple[str, ...]) -> Drivers:
    info = SeriesInfo("s", "D", "2023-01-02", "2024-05-15", "2024-05-29", 500, {}, effects=fit.effects)
    return Drivers(regressors, plan.assign(series_id="s"), fit.plan_terms[None], [info])


@pytest.mark.parametrize("mode", ["additive", "multiplicative"])
def test_the_shift_reproduces_a_fresh_prophet_predict(mode):
    history, plan = daily_series(seed=3)
    regressors = ("promo", "price")
    config = ForecastConfig(
        horizon=H, n_samples=50, calibration_folds=1, regressors=regressors, seasonality_mode=mode, ensemble=False
    )  # Prophet alone: the combination's shift is the next test's
    fit = fit_series("s", history, Frequency("D"), config, plan)
    assert fit.plan_terms is not None and fit.multiplicative == (mode == "multiplicative")
    assert fit.model == "prophet" and all(e["fitted"] for e in fit.effects.values())
    drivers = _drivers(fit, plan, regressors)
    np.testing.assert_allclose(drivers.forecast_under(0, {}), fit.yhat, rtol=1e-9)
    promo = 1.0 - plan["promo"].to_numpy()  # every promotion day off, every other day on
    price = plan["price"].to_numpy() + 1.5
    change = {"promo": dict(enumerate(promo)), "price": {3: price[3], 9: price[9]}}
    shifted = drivers.forecast_under(0, change)
    future = plan[["ds"]].assign(promo=promo, price=plan["price"].to_numpy())
    future.loc[[3, 9], "price"] = price[[3, 9]]
    fresh = model_from_json(fit.model_json).predict(future)["yhat"].to_numpy()
    np.testing.assert_allclose(shifted, np.clip(fresh, 0, None), rtol=1e-6)
    assert not np.allclose(shifted, fit.yhat)


def weekly_promo_series(n: int = 200, h: int = 13) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A weekly series with a yearly season and a +30% promotion a quarter of the weeks: history, plan."""
    rng = np.random.default_rng(1)
    ds = pd.date_range("2021-01-01", periods=n + h, freq="W-FRI")
    promo = (rng.random(n + h) < 0.25).astype(float)
    season = 1 + 0.2 * np.sin(2 * np.pi * np.arange(n + h) / 52)
    y = 5000 * season * (1 + 0.3 * promo) * np.exp(rng.normal(0, 0.03, n + h))
    frame = pd.DataFrame({"ds": ds, "y": y, "promo": promo})
    return frame.iloc[:n].reset_index(drop=True), frame.iloc[n:].reset_index(drop=True)


def test_the_shift_is_exact_for_the_prophet_and_autoets_combination():
    h = 13
    history, plan = weekly_promo_series(h=h)
    freq, config = Frequency("W-FRI"), ForecastConfig(horizon=h, regressors=("promo",))
    prophet, p, pred = prophet_forecast(history, freq, config, h, True, plan, True)
    e, _ = ets_with_drivers(history, pred, freq, h, True)
    terms = plan_terms(pred, p, e, 0.5, True, None)
    per_unit = float(regressor_coefficients(prophet)["coef"].iloc[0])  # Prophet's standardisation undone
    assert prophet.extra_regressors["promo"]["mode"] == "multiplicative"
    new_promo = np.ones(h)
    recent = history.iloc[-len(pred) + h :]
    pred_new = prophet.predict(pd.concat([recent[["ds", "promo"]], plan[["ds"]].assign(promo=new_promo)]))
    e_new, _ = ets_with_drivers(history, pred_new, freq, h, True)
    fresh = 0.5 * pred_new["yhat"].to_numpy()[-h:] + 0.5 * e_new
    shifted = terms[1] + terms[0] * per_unit * (new_promo - plan["promo"].to_numpy())
    np.testing.assert_allclose(shifted, fresh, rtol=1e-6)
    assert driver_effect(pred_new, True)[-h:].min() > 1.0  # the promotion raised every step


def test_closed_periods_stay_zero_under_any_plan():
    history, plan = daily_series(closed_sundays=True)
    config = ForecastConfig(horizon=H, n_samples=50, calibration_folds=1, regressors=("promo",))
    fit = fit_series("s", history, Frequency("D"), config, plan)
    closed = plan["is_open"].to_numpy() == 0
    shifted = _drivers(fit, plan, ("promo",)).forecast_under(0, {"promo": dict.fromkeys(range(H), 1.0)})
    assert (shifted[closed] == 0).all() and (shifted[~closed] >= fit.yhat[~closed]).all()


def test_a_price_increase_with_a_negative_effect_lowers_expected_and_probability():
    """On a served model built from a real fit: paths scaled by the changed plan, joint totals lower."""
    history, plan = daily_series(seed=5)
    config = ForecastConfig(horizon=H, n_samples=200, calibration_folds=2, regressors=("promo", "price"))
    fit = fit_series("s", history, Frequency("D"), config, plan)
    calibrate([fit], 200, True)
    assert fit.effects["price"]["coef"] < 0 and fit.paths is not None
    info = SeriesInfo(
        "s",
        "D",
        "2023-01-02",
        f"{history['ds'].iloc[-1]:%Y-%m-%d}",
        f"{plan['ds'].iloc[-1]:%Y-%m-%d}",
        len(history),
        {},
        multiplicative=fit.multiplicative,
        error_scale=fit.error_scale,
        effects=fit.effects,
    )
    drivers = Drivers(("promo", "price"), plan.assign(series_id="s"), fit.plan_terms[None], [info])
    model = ForecastModel(
        "v",
        {"created_at": "2024-01-01"},
        Frequency("D"),
        [info],
        [history["y"].to_numpy()],
        fit.yhat[None],
        paths=fit.paths[None],
        drivers=drivers,
    )
    start, end = plan["ds"].iloc[0].date(), plan["ds"].iloc[-1].date()
    dearer = scenario_change(model, ["s"], {"price": [(start, end, 12.0)]})
    base = model.pace_parts([(["s"], start, end)])[0].totals
    moved = shifted_parts(model, [(["s"], start, end)], None, dearer)[0].totals
    assert (moved <= base + 1e-6).all() and moved.mean() < 0.95 * base.mean()
    for target in np.quantile(base, [0.2, 0.5, 0.8]):
        assert assess(moved, target).probability <= assess(base, target).probability
    # The moved paths are what the served forecast says under the change, step by step.
    new = drivers.forecast_under(0, dearer["s"])
    ratio = new / fit.yhat
    np.testing.assert_allclose(moved, (fit.paths * ratio[None, :]).sum(axis=1), rtol=1e-5)
    assert dt.date.fromisoformat(info.horizon_end) == end

"""The pooled pull toward naive anchors: what the anchors forecast, how the weight is chosen, and
that a plan change still shifts an anchored forecast exactly."""

import numpy as np
import pandas as pd
from prophet.utilities import regressor_coefficients

from models.forecast import anchor
from models.forecast.anchor import ANCHOR_KINDS, Anchoring, anchor_all, naive_anchors
from models.forecast.components import prophet_forecast
from models.forecast.contracts import Frequency
from models.forecast.effects import adjusted_sensitivity
from models.forecast.fit import ForecastConfig, SeriesFit
from tests.forecast.test_scenario import weekly_promo_series


def test_weekly_anchors_are_the_recent_level_and_last_year_moved_by_its_growth():
    y = np.concatenate([np.full(52, 100.0), np.full(52, 120.0)])  # a year at 100, then a year at 120
    y[52 + 40 : 52 + 45] = [200, 210, 220, 230, 240]  # last year's weeks 41-45: a peak
    y[40:45] = [150, 160, 170, 180, 190]  # and the year before
    recent, year, both = naive_anchors(y, Frequency("W-FRI"), 5, multiplicative=True)
    np.testing.assert_allclose(recent, np.full(5, 120.0))  # the last 5 weeks' mean, flat
    # the last 5 weeks (120) against the same weeks a year before (100): +20% on last year's next weeks
    np.testing.assert_allclose(year, y[52 + 52 - 52 : 52 + 5] * 1.2)
    np.testing.assert_allclose(both, (recent + year) / 2)
    additive = naive_anchors(y, Frequency("W-FRI"), 5, multiplicative=False)[1]
    np.testing.assert_allclose(additive, y[52:57] + 20.0)  # a difference, not a ratio


def test_daily_recent_anchor_keeps_the_weekday_shape_and_a_short_history_falls_back_to_it():
    week = np.array([10.0, 12, 14, 16, 18, 30, 5])
    y = np.tile(week, 8)  # 8 weeks: less than a year and a horizon
    recent, year, both = naive_anchors(y, Frequency("D"), 14, multiplicative=True)
    np.testing.assert_allclose(recent, np.tile(week, 2))  # the next day is the cycle's next weekday
    np.testing.assert_allclose(year, recent)
    np.testing.assert_allclose(both, recent)


def _fit(sid: str, folds, ours: np.ndarray, anchors: np.ndarray) -> SeriesFit:
    h = ours.size
    return SeriesFit(
        sid, "", np.clip(ours, 0, None), np.zeros((len(folds), h)), 10.0, False, "prophet", 1.0, 0.0,
        backtest={"horizon": h, "mase": 0.0, "smape": 0.0},
        anchoring=Anchoring(folds=folds, ours=ours, anchors=anchors, sensitivity=None, floor=0.0),
    )  # fmt: skip


def test_the_weight_is_chosen_on_every_series_folds_and_applied_to_forecast_and_fold_errors():
    rng = np.random.default_rng(0)
    h, fits = 8, []
    for s in range(30):  # our folds overshoot the actuals by a random trend; the recent level is right
        folds = []
        for _ in range(3):
            level = 100 + 10 * rng.normal()
            actual = level + rng.normal(0, 2, h)
            ours = level + np.linspace(0, 40, h) * rng.choice([-1, 1])
            folds.append((actual, ours, np.stack([np.full(h, level)] * 3), 5.0, np.zeros(h, bool)))
        fits.append(_fit(str(s), folds, np.full(h, 150.0), np.stack([np.full(h, 100.0)] * 3)))
    before = [f.errors.copy() for f in fits]
    choice = anchor_all(fits, nonnegative=True)
    assert choice["weight"] == 0.5 and choice["kind"] in ANCHOR_KINDS  # the largest weight on offer
    table = choice["fold_mase"]["recent"]
    assert table["0.5"] < table["0.0"]
    np.testing.assert_allclose(fits[0].yhat, np.full(h, 125.0))  # half-way to the anchor
    assert all(f.anchoring is None for f in fits)
    assert not np.allclose(fits[0].errors, before[0])  # calibration sees the anchored folds' errors
    assert fits[0].backtest["mase"] > 0  # the latest fold's MASE is the anchored forecast's


def test_a_series_our_folds_forecast_perfectly_keeps_its_forecast():
    h = 6
    actual = np.linspace(50, 80, h)
    folds = [(actual, actual.copy(), np.stack([np.full(h, 50.0)] * 3), 5.0, np.zeros(h, bool))] * 3
    fit = _fit("s", folds, np.full(h, 90.0), np.stack([np.full(h, 40.0)] * 3))
    errors = fit.errors.copy()
    choice = anchor_all([fit], nonnegative=True)
    assert (choice["kind"], choice["weight"]) == ("none", 0.0)
    assert choice["fold_mase"]["both"]["0.0"] == 0.0
    np.testing.assert_allclose(fit.yhat, np.full(h, 90.0))
    np.testing.assert_allclose(fit.errors, errors)


def test_anchors_hear_the_plan_and_a_plan_change_shifts_them_exactly():
    h = 13
    history, plan = weekly_promo_series(h=h)
    freq, config = Frequency("W-FRI"), ForecastConfig(horizon=h, regressors=("promo",))
    prophet, _, pred = prophet_forecast(history, freq, config, h, True, plan, True)
    anchors = anchor.anchors_with_drivers(history, pred, freq, h, True)
    recent = history.iloc[-len(pred) + h :]
    pred_off = prophet.predict(pd.concat([recent[["ds", "promo"]], plan[["ds"]].assign(promo=0.0)]))
    lift = anchors / anchor.anchors_with_drivers(history, pred_off, freq, h, True)
    on = plan["promo"].to_numpy() == 1
    assert on.any() and (lift[:, on] > 1.15).all() and np.allclose(lift[:, ~on], 1.0)  # promotions lift every anchor
    new_promo = np.ones(h)
    pred_new = prophet.predict(pd.concat([recent[["ds", "promo"]], plan[["ds"]].assign(promo=new_promo)]))
    fresh = anchor.anchors_with_drivers(history, pred_new, freq, h, True)
    per_unit = float(regressor_coefficients(prophet)["coef"].iloc[0])
    shifted = anchors + adjusted_sensitivity(anchors, pred) * per_unit * (new_promo - plan["promo"].to_numpy())
    np.testing.assert_allclose(shifted, fresh, rtol=1e-6)


def _slight_gain(d: np.ndarray) -> list[SeriesFit]:
    """Per series s, an anchor whose fold errors are ours times (1 + d[s]): better where d < 0."""
    h, error = 8, np.array([5.0, -3, 4, 6, -2, 3, 5, 4])
    actual = np.full(h, 100.0)
    return [
        _fit(str(s), [(actual, actual + error, np.stack([actual + error * (1 + ds)] * 3), 5.0, np.zeros(h, bool))] * 3,
             np.full(h, 100.0), np.stack([np.full(h, 90.0)] * 3))
        for s, ds in enumerate(d)
    ]  # fmt: skip


def test_a_pull_the_folds_cannot_tell_from_none_is_not_taken_until_enough_series_show_it():
    few = _slight_gain(np.array([-0.3, 0.25, -0.2, 0.05]))  # a 5% gain on average, +-25% per series
    many = _slight_gain(np.tile([-0.3, 0.25, -0.2, 0.05], 100))
    few_choice, many_choice = anchor_all(few, nonnegative=True), anchor_all(many, nonnegative=True)
    assert (few_choice["kind"], few_choice["weight"]) == ("none", 0.0)
    np.testing.assert_allclose(few[0].yhat, np.full(8, 100.0))
    assert many_choice["weight"] == 0.5

"""The served scenario totals equal the slow exact computation: every sample path moved step by step, then summed.

``shifted_parts`` takes shortcuts (only the changed steps are read, a product instead of a moved
(k, n) array, the trained totals passed in); these tests rebuild each answer from the full paths.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from models.forecast.contracts import Frequency
from models.forecast.model import ForecastModel, SeriesInfo
from models.forecast.scenario import (
    Drivers,
    merge_changes,
    scenario_change,
    shifted_fan,
    shifted_forecast,
    shifted_parts,
)

N_HIST, H, N = 30, 40, 200
START = dt.date(2026, 1, 1)
HISTORY_END = START + dt.timedelta(days=N_HIST - 1)


def _day(step: int) -> dt.date:
    """The date of horizon step ``step``."""
    return HISTORY_END + dt.timedelta(days=step + 1)


def _model(multiplicative: bool, seed: int = 0, zero: tuple[int, ...] = ()) -> ForecastModel:
    """Two series with a promo and a price driver; ``zero`` steps forecast 0 before the clip (a promo lifts them).

    Sample values are whole numbers, so the float32 cumulative paths hold them exactly and every
    difference below is float64 rounding alone.
    """
    rng = np.random.default_rng(seed)
    coef = {"promo": 0.3, "price": -0.05} if multiplicative else {"promo": 40.0, "price": -8.0}
    infos, history, raws, bs, paths, plans = [], [], [], [], [], []
    for k, sid in enumerate(("a", "b")):
        infos.append(
            SeriesInfo(
                sid,
                "D",
                START.isoformat(),
                HISTORY_END.isoformat(),
                _day(H - 1).isoformat(),
                N_HIST,
                {},
                multiplicative=multiplicative,
                effects={"promo": {"coef": coef["promo"] * (1 + k / 3)}, "price": {"coef": coef["price"]}},
            )
        )
        history.append(np.round(rng.uniform(80, 120, N_HIST)))
        raw = rng.uniform(50, 150, H)
        b = raw / 2 if multiplicative else np.ones(H)
        raw[list(zero)] = 0.0
        raws.append(raw)
        bs.append(b)
        noise = np.exp(rng.normal(0, 0.3, (N, H))) if multiplicative else rng.normal(0, 40, (N, H))
        paths.append(np.round(np.clip(raw * noise if multiplicative else raw + noise, 0, None)))
        promo = (rng.random(H) < 0.3).astype(float)
        price = rng.uniform(9, 11, H)
        plans.append(
            pd.DataFrame({"series_id": sid, "ds": [_day(s) for s in range(H)], "promo": promo, "price": price})
        )
    plan = pd.concat(plans, ignore_index=True)
    plan["ds"] = pd.to_datetime(plan["ds"])
    terms = np.stack([np.stack([b, raw]) for b, raw in zip(bs, raws, strict=True)])
    drivers = Drivers(("promo", "price"), plan, terms, infos)
    yhat = np.clip(terms[:, 1], 0, None)
    stacked = np.stack(paths).astype(np.float32)
    return ForecastModel(
        "v", {"created_at": "2026-01-01"}, Frequency("D"), infos, history, yhat, stacked, drivers=drivers
    )


def _forecast_under(drivers: Drivers, i: int, values) -> np.ndarray:
    """The point forecast under ``values``, one step at a time (what ``forecast_under`` vectorises)."""
    delta = np.zeros(drivers.terms.shape[2])
    for k, r in enumerate(drivers.regressors):
        for step, x in values.get(r, {}).items():
            delta[step] += drivers.coef[i, k] * (x - drivers.plan[i][k, step])
    return np.clip(drivers.terms[i, 1] + drivers.terms[i, 0] * delta, 0.0, None)


def _exact_total(model: ForecastModel, ids, start: dt.date, end: dt.date, change) -> np.ndarray:
    """Per sample, the period total of the full paths with every changed step moved to its new forecast."""
    total = np.zeros(model.n_samples)
    for sid in ids:
        i = model._index[sid]
        steps = np.diff(model._cum[i].astype(np.float64), axis=0)  # (horizon, n_samples), exact
        old, new = model._yhat[i], _forecast_under(model.drivers, i, change.get(sid, {}))
        for s in range(model.horizon):
            if not start <= _day(s) <= end:
                continue
            if new[s] == old[s]:
                total += steps[s]
            elif model.infos[i].multiplicative:
                total += steps[s] * (new[s] / old[s]) if old[s] > 0 else new[s]
            else:
                total += np.clip(steps[s] + (new[s] - old[s]), 0.0, None)
        day = START
        for y in model.history_values(sid):  # the recorded part of the period
            total += y if start <= day <= end else 0.0
            day += dt.timedelta(days=1)
    return total


WINDOWS = {
    "inside": {"promo": [(_day(5), _day(18), 1.0)]},
    "across the period end": {"promo": [(_day(15), _day(30), 1.0)]},
    "promo off and a price": {"promo": [(_day(0), _day(39), 0.0)], "price": [(_day(3), _day(9), 12.5)]},
    "two windows": {"promo": [(_day(2), _day(4), 1.0), (_day(10), _day(12), 0.0)]},
}


@pytest.mark.parametrize("multiplicative", [True, False])
@pytest.mark.parametrize("name", list(WINDOWS))
@pytest.mark.parametrize("ids", [["a"], ["a", "b"]])
def test_a_scenario_total_is_the_sum_of_its_moved_paths(multiplicative, name, ids):
    model = _model(multiplicative, seed=len(name))
    start, end = START + dt.timedelta(days=20), _day(20)  # ten recorded days, then 21 forecast ones
    change = scenario_change(model, ids, WINDOWS[name])
    shifted = shifted_parts(model, [(ids, start, end)], None, change)[0]
    exact = _exact_total(model, ids, start, end, change)
    np.testing.assert_allclose(shifted.totals, exact, rtol=1e-12)
    assert not np.allclose(shifted.totals, model.pace_parts([(ids, start, end)])[0].totals)  # the change is felt
    plain = model.pace_parts([(ids, start, end)])
    given = shifted_parts(model, [(ids, start, end)], None, change, plain)[0]  # the trained totals passed in
    np.testing.assert_array_equal(given.totals, shifted.totals)
    np.testing.assert_array_equal(given.remaining, shifted.remaining)


def test_stored_overrides_under_a_scenario_are_moved_like_one_plan():
    model = _model(True, seed=3)
    start, end = _day(0), _day(39)
    stored = scenario_change(model, ["a"], {"promo": [(_day(10), _day(14), 1.0)]})
    top = scenario_change(model, ["a"], {"promo": [(_day(4), _day(12), 0.0)]})
    both = merge_changes(stored, top)  # its steps out of order: 10..14, then 4..9 added
    assert list(both["a"]["promo"]) != sorted(both["a"]["promo"])
    shifted = shifted_parts(model, [(["a"], start, end)], None, both)[0]
    np.testing.assert_allclose(shifted.totals, _exact_total(model, ["a"], start, end, both), rtol=1e-12)


@pytest.mark.parametrize("multiplicative", [True, False])
def test_zero_forecasts_and_samples_pushed_below_zero_are_moved_exactly(multiplicative):
    """A zero point forecast a promo lifts (multiplicative) or a price that pushes samples below zero
    (additive) takes the general path, not the product or the constant."""
    model = _model(multiplicative, seed=9, zero=(7, 8))
    scenario = {"promo": [(_day(0), _day(20), 1.0)]} if multiplicative else {"price": [(_day(0), _day(20), 30.0)]}
    change = scenario_change(model, ["a", "b"], scenario)
    start, end = _day(0), _day(20)
    shifted = shifted_parts(model, [(["a", "b"], start, end)], None, change)[0]
    np.testing.assert_allclose(shifted.totals, _exact_total(model, ["a", "b"], start, end, change), rtol=1e-12)


def test_the_vectorised_forecast_under_is_the_step_by_step_one():
    model = _model(False, seed=4)
    values = {"promo": {3: 1.0, 1: 0.0, 20: 1.0}, "price": {3: 12.0, 7: 8.5}}  # one step set by both regressors
    for i in range(2):
        np.testing.assert_array_equal(
            model.drivers.forecast_under(i, values), _forecast_under(model.drivers, i, values)
        )


def test_posted_periods_take_no_scenario():
    model = _model(True, seed=5)
    posted = {"a": [(_day(s).toordinal(), 100.0) for s in range(3)]}
    change = scenario_change(model, ["a"], {"promo": [(_day(0), _day(5), 1.0)]})
    start, end = _day(0), _day(5)
    unposted_change = {"a": {"promo": {s: 1.0 for s in range(3, 6)}}}  # the same change without the posted days
    plain = model.pace_parts([(["a"], start, end)], posted)[0]
    shifted = shifted_parts(model, [(["a"], start, end)], posted, change)[0]
    only_rest = shifted_parts(model, [(["a"], start, end)], posted, unposted_change)[0]
    assert shifted.actual == plain.actual == 300.0
    np.testing.assert_array_equal(shifted.totals, only_rest.totals)


def test_a_shifted_forecast_moves_only_the_changed_days():
    model = _model(True, seed=6)
    change = scenario_change(model, ["a"], {"promo": [(_day(5), _day(9), 1.0)]})
    plain, moved = model.forecast("a", None, 80), shifted_forecast(model, "a", None, 80, change)
    new = _forecast_under(model.drivers, 0, change["a"])
    np.testing.assert_allclose(moved["yhat"], new, rtol=1e-12)
    changed = [s for s in range(H) if moved["yhat"][s] != plain["yhat"][s]]
    assert changed and all(5 <= s <= 9 for s in changed)


@pytest.mark.parametrize("multiplicative", [True, False])
def test_a_shifted_fan_is_the_fan_of_the_moved_paths(multiplicative):
    model = _model(multiplicative, seed=7, zero=(12,))
    change = scenario_change(model, ["a"], {"promo": [(_day(8), _day(14), 1.0)], "price": [(_day(20), _day(22), 14.0)]})
    fan = shifted_fan(model, ["a", "b"], 5, None, change)
    samples = np.zeros((H, N))
    for sid in ("a", "b"):  # every step of every path moved (or not) on its own, then summed per date
        i = model._index[sid]
        steps = np.diff(model._cum[i].astype(np.float64), axis=0)
        old, new = model._yhat[i], _forecast_under(model.drivers, i, change.get(sid, {}))
        for s in range(H):
            if new[s] != old[s] and model.infos[i].multiplicative:
                steps[s] = steps[s] * (new[s] / old[s]) if old[s] > 0 else new[s]
            elif new[s] != old[s]:
                steps[s] = np.clip(steps[s] + (new[s] - old[s]), 0.0, None)
        samples += steps
    assert fan.days == [_day(s).toordinal() for s in range(H)] and len(fan.history) == 5
    np.testing.assert_allclose(fan.mean, samples.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(fan.p50, np.median(samples, axis=1), rtol=1e-12)
    lower, upper = fan.bands[80]
    np.testing.assert_allclose(lower, np.quantile(samples, 0.1, axis=1), rtol=1e-12)
    np.testing.assert_allclose(upper, np.quantile(samples, 0.9, axis=1), rtol=1e-12)
    plain = model.fan(["a", "b"], 5)
    moved = [s for s in range(H) if fan.mean[s] != pytest.approx(plain.mean[s], rel=1e-12)]
    assert moved and set(moved) <= set(range(8, 15)) | {20, 21, 22}

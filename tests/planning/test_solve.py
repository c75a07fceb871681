"""Goal seek finds the smallest change that reaches the probability, checked against brute force.

Every reference answer here goes through the served scenario path (``scenario_change`` +
``shifted_parts``, what ``POST /v1/feasibility`` with a scenario answers), not the solver's own sums.
"""

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from models.errors import InvalidInput
from models.forecast.contracts import Frequency
from models.forecast.model import ForecastModel, SeriesInfo
from models.forecast.scenario import Drivers, merge_changes, scenario_change, shifted_parts
from models.planning.feasibility import assess
from models.planning.solve import Bounds, goal_seek

HISTORY_END = dt.date(2026, 1, 10)
N_HIST = 10
FIRST = HISTORY_END + dt.timedelta(days=1)


def _day(step: int) -> dt.date:
    return FIRST + dt.timedelta(days=step)


def _model(
    multiplicative: list[bool],
    coefs: list[dict[str, float]],
    horizon: int = 8,
    n: int = 400,
    seed: int = 0,
    drivers: bool = True,
) -> ForecastModel:
    """Series with a 0/1 ``promo`` (on for step 2) and a numeric ``price`` (10) in their plan."""
    rng = np.random.default_rng(seed)
    k = len(multiplicative)
    steps = np.arange(horizon)
    infos, raw, sens, paths = [], [], [], []
    shared = rng.normal(0.0, 0.08, n)[:, None]  # one demand shock per sample, felt by every series
    for i, mult in enumerate(multiplicative):
        level = 100.0 * (1 + 0.3 * np.sin(steps + i)) + rng.uniform(0, 20, horizon)
        raw.append(level)
        sens.append(level * rng.uniform(0.6, 1.0, horizon) if mult else np.ones(horizon))
        scale = rng.uniform(0.03, 0.25, horizon)  # steps differ in spread, so greedy by mean is not exact
        noise = shared + rng.normal(0.0, 1.0, (n, horizon)) * scale
        paths.append(level * np.exp(noise) if mult else np.clip(level + 100 * noise, 0, None))
        infos.append(
            SeriesInfo(
                f"s{i}",
                "D",
                "2026-01-01",
                f"{HISTORY_END}",
                f"{_day(horizon - 1)}",
                N_HIST,
                {},
                multiplicative=mult,
                groups={"region": "N"},
                effects={r: {"coef": c} for r, c in coefs[i].items()},
            )
        )
    plan = pd.DataFrame(
        [
            {"series_id": f"s{i}", "ds": pd.Timestamp(_day(h)), "promo": float(h == 2), "price": 10.0}
            for i in range(k)
            for h in range(horizon)
        ]
    )
    terms = np.stack([np.stack([s, r]) for s, r in zip(sens, raw, strict=True)])
    return ForecastModel(
        "v",
        {"created_at": "2026-01-11T00:00:00Z"},
        Frequency("D"),
        infos,
        [np.full(N_HIST, 100.0) for _ in range(k)],
        np.clip(np.stack(raw), 0, None),
        paths=np.stack(paths),
        drivers=Drivers(("promo", "price"), plan, terms, infos) if drivers else None,
    )


def _served(model, ids, start, end, target, windows, base=None):
    """(probability, expected) of the plan under ``windows``, as the feasibility route serves it."""
    change = merge_changes(base or {}, scenario_change(model, ids, windows)) if windows else base
    totals = shifted_parts(model, [(ids, start, end)], None, change)[0].totals if change else None
    if totals is None:
        totals = model.pace_parts([(ids, start, end)])[0].totals
    result = assess(totals, target)
    return result.probability, result.expected


def _on(dates):
    return {"promo": [(d, d, 1.0) for d in dates]}


SPAN = (FIRST, _day(7))
CASES = [  # (multiplicative per series, promo coef per series)
    ([True], [0.25]),
    ([False], [30.0]),
    ([True, True], [0.3, 0.1]),
    ([True, False], [0.2, 25.0]),
]


@pytest.mark.parametrize(("mult", "coef"), CASES)
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("max_periods", [None, 3])
def test_switching_periods_on_matches_brute_force_over_every_subset(mult, coef, seed, max_periods):
    model = _model(mult, [{"promo": c, "price": 0.0} for c in coef], seed=seed)
    ids = [i.series_id for i in model.infos]
    start, end = SPAN
    base_p, base_e = _served(model, ids, start, end, 1.0, None)
    off = [_day(h) for h in range(8) if h != 2]  # step 2 is on in the plan already
    cap = len(off) if max_periods is None else max_periods
    target = base_e * 1.04
    subsets = [s for k in range(cap + 1) for s in itertools.combinations(off, k)]
    reach = {s: _served(model, ids, start, end, target, _on(s))[0] for s in subsets}
    for probability in (0.35, 0.6, 0.8, 0.95):
        truth = min((len(s) for s, p in reach.items() if p >= probability), default=None)
        for exact_limit, method in ((10_000, "exhaustive"), (0, "greedy")):
            bounds = Bounds(max_periods=max_periods)
            got = goal_seek(model, ids, start, end, target, "promo", probability, bounds, exact_limit=exact_limit)
            where = f"p={probability} {method}: truth {truth}, got {got.periods} ({got.message})"
            if got.reached and got.periods:
                assert got.method == method, where
                served = _served(model, ids, start, end, target, _on(got.periods))
                assert got.answer.probability == pytest.approx(served[0]) and served[0] >= probability, where
                assert got.answer.expected == pytest.approx(served[1], rel=1e-9), where
            if method == "exhaustive" or all(not m for m in mult):  # greedy is exact on additive series
                assert got.reached == (truth is not None), where
                assert truth is None or len(got.periods) == truth, where
            elif max_periods is None:  # every period at hand: greedy reaches whenever anything can
                assert got.reached == (truth is not None), where
                assert truth is None or len(got.periods) >= truth, where
            if not got.reached:
                assert got.answer.probability == max(reach.values()) or method == "greedy", where
                assert "cannot reach" in got.message and len(got.periods) <= cap, where
            assert got.baseline.probability == pytest.approx(_served(model, ids, start, end, target, None)[0])


def _grid_answer(model, ids, target, probability, lo, hi, current, points=401):
    levels = np.linspace(lo, hi, points)
    start, end = SPAN
    reach = np.array([_served(model, ids, start, end, target, {"price": [(start, end, x)]})[0] for x in levels])
    ok = levels[reach >= probability]
    return (None if not ok.size else float(ok[np.argmin(np.abs(ok - current))])), levels, reach


@pytest.mark.parametrize(("mult", "coef"), [([True], [-0.04]), ([False], [-6.0]), ([True, True], [-0.05, -0.01])])
@pytest.mark.parametrize("probability", [0.3, 0.6, 0.9])
def test_a_numeric_level_matches_a_fine_grid_scan(mult, coef, probability):
    model = _model(mult, [{"promo": 0.0, "price": c} for c in coef], seed=4)
    ids = [i.series_id for i in model.infos]
    start, end = SPAN
    target = _served(model, ids, start, end, 1.0, None)[1] * 1.02
    lo, hi = 2.0, 14.0
    grid, levels, reach = _grid_answer(model, ids, target, probability, lo, hi, 10.0)
    got = goal_seek(model, ids, start, end, target, "price", probability, Bounds(min=lo, max=hi))
    step = levels[1] - levels[0]
    assert got.current_level == 10.0 and got.kind == "numeric" and got.periods is None
    if got.method == "none":  # the plan reaches it as it is
        assert got.reached and got.level is None and got.baseline.probability >= probability
        return
    assert got.method == "bisection" and got.reached == (grid is not None)
    assert got.level is not None and lo <= got.level <= hi
    served = _served(model, ids, start, end, target, {"price": [(start, end, got.level)]})
    assert got.answer.probability == pytest.approx(served[0]) and got.answer.expected == pytest.approx(served[1])
    if grid is None:
        assert got.level == lo and served[0] == pytest.approx(reach.max())  # a cheaper price: the best there is
        assert "cannot reach" in got.message
    else:
        assert served[0] >= probability and got.level <= 10.0  # lowering the price is what raises it
        assert abs(got.level - grid) <= step, (got.level, grid)


def test_mixed_signs_across_a_group_scan_the_bounds_and_say_so():
    model = _model([True, True], [{"promo": 0.0, "price": 0.06}, {"promo": 0.0, "price": -0.01}], seed=5)
    ids = ["s0", "s1"]
    start, end = SPAN
    target = _served(model, ids, start, end, 1.0, None)[1] * 1.03
    got = goal_seek(model, ids, start, end, target, "price", 0.7, Bounds(min=0.0, max=30.0))
    grid, levels, _ = _grid_answer(model, ids, target, 0.7, 0.0, 30.0, 10.0)
    assert got.method == "scan" and "mixed signs" in got.message and got.reached and grid is not None
    assert _served(model, ids, start, end, target, {"price": [(start, end, got.level)]})[0] >= 0.7
    assert abs(got.level - grid) <= levels[1] - levels[0]


def test_a_plan_that_reaches_already_needs_no_change():
    model = _model([True], [{"promo": 0.2, "price": -0.02}])
    low = _served(model, ["s0"], *SPAN, 1.0, None)[1] * 0.7
    for regressor, bounds in (("promo", Bounds()), ("price", Bounds(min=5, max=15))):
        got = goal_seek(model, ["s0"], *SPAN, low, regressor, 0.9, bounds)
        assert got.reached and got.method == "none" and got.level is None and not got.periods
        assert got.answer == got.baseline and "already" in got.message


def test_the_scenario_and_posted_actuals_come_first():
    model = _model([True, False], [{"promo": 0.2, "price": 0.0}, {"promo": 20.0, "price": 0.0}], seed=6)
    ids = ["s0", "s1"]
    start, end = SPAN
    scenario = scenario_change(model, ids, _on([_day(5)]))
    posted = {"s0": [(_day(0).toordinal(), 120.0)], "s1": [(_day(0).toordinal(), 80.0)]}
    got = goal_seek(model, ids, start, end, 1e9, "promo", 0.5, Bounds(), posted=posted, change=scenario)
    assert not got.reached and got.changeable == 5  # 8 days less the posted one, the planned one, the scenario's
    assert _day(0) not in got.periods and _day(5) not in got.periods and _day(2) not in got.periods
    totals = shifted_parts(model, [(ids, start, end)], posted, scenario)[0].totals
    assert got.baseline.expected == pytest.approx(totals.mean())


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"regressor": "discount"}, "choose one of promo, price, or retrain with --regressors promo,price,discount"),
        ({"regressor": "price", "bounds": Bounds()}, "give bounds.min and bounds.max"),
        ({"regressor": "price", "bounds": Bounds(min=3, max=2)}, "not above bounds.max"),
        ({"regressor": "price", "bounds": Bounds(min=1, max=2, max_periods=3)}, "not max_periods"),
        ({"regressor": "price", "bounds": Bounds(min=-1e308, max=1e308)}, "non-finite sales"),
        ({"regressor": "promo", "bounds": Bounds(min=0, max=1)}, "0/1 regressor"),
        ({"probability": 1.0}, "between 0 and 1"),
        ({"start": HISTORY_END - dt.timedelta(days=5), "end": HISTORY_END}, "recorded already"),
    ],
)
def test_bad_questions_name_the_fix(kwargs, named):
    model = _model([True], [{"promo": 0.2, "price": -0.02}])
    question = {"start": FIRST, "end": _day(7), "regressor": "promo", "probability": 0.7, "bounds": Bounds()}
    question |= kwargs
    with pytest.raises(InvalidInput) as raised:
        goal_seek(model, ["s0"], question.pop("start"), question.pop("end"), 1e5, **question)
    assert named in str(raised.value)


def test_a_model_without_drivers_says_to_retrain():
    model = _model([True], [{}], drivers=False)
    with pytest.raises(InvalidInput, match="--regressors"):
        goal_seek(model, ["s0"], *SPAN, 1e5, "promo", 0.7, Bounds())

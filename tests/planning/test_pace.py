"""Pace-to-target: posted actuals count and condition the rest; group totals keep the joint draws."""

import datetime as dt

import numpy as np
import pytest

from models.errors import InvalidInput, NotFound, OutOfRange
from models.forecast.calibration import ErrorLibrary, JointDraws, calibrate
from models.forecast.contracts import Frequency
from models.forecast.fit import SeriesFit
from models.forecast.model import ForecastModel, SeriesInfo

HISTORY_END = dt.date(2026, 1, 10)
N_HIST, HORIZON, N = 10, 30, 600


def _model(paths: np.ndarray, groups: list[dict[str, str]]) -> ForecastModel:
    infos = [
        SeriesInfo(
            series_id=f"s{i}",
            freq="D",
            history_start="2026-01-01",
            history_end=f"{HISTORY_END}",
            horizon_end="2026-02-09",
            n_obs=N_HIST,
            backtest={},
            multiplicative=True,
            error_scale=0.1,
            groups=g,
        )
        for i, g in enumerate(groups)
    ]
    k = len(groups)
    return ForecastModel(
        version="v",
        manifest={"version": "v", "created_at": "2026-01-11T00:00:00Z", "freq": "D"},
        freq=Frequency("D"),
        infos=infos,
        history=[np.full(N_HIST, 100.0) for _ in range(k)],
        yhat=np.full((k, HORIZON), 100.0),
        paths=paths,
    )


@pytest.fixture(scope="module")
def model():
    """Three series sharing a persistent level shock per sample (as stores of one region do)."""
    rng = np.random.default_rng(0)
    level = rng.normal(0.0, 0.15, N)[None, :, None]
    noise = rng.normal(0.0, 0.03, (3, N, HORIZON))
    paths = 100.0 * np.exp(level + noise)
    return _model(paths, [{"region": "N"}, {"region": "N"}, {"region": "S"}])


def _day(step: int) -> dt.date:
    return HISTORY_END + dt.timedelta(days=step + 1)


def test_low_actuals_lower_the_remaining_expectation(model):
    start, end = _day(0), _day(HORIZON - 1)
    plain = model.pace_sum(["s0"], start, end)
    low = {"s0": [(_day(s).toordinal(), 80.0) for s in range(7)]}  # a week 20% below forecast
    paced = model.pace_sum(["s0"], start, end, low)
    assert paced.actual == pytest.approx(7 * 80.0)
    assert (paced.periods_elapsed, paced.periods_remaining) == (7, HORIZON - 7)
    per_period_before = plain.remaining.mean() / HORIZON
    per_period_after = paced.remaining.mean() / (HORIZON - 7)
    assert per_period_after < 0.9 * per_period_before  # the run of low sales is not ignored
    high = {"s0": [(_day(s).toordinal(), 120.0) for s in range(7)]}
    assert model.pace_sum(["s0"], start, end, high).remaining.mean() > plain.remaining.mean() * 23 / 30


def test_a_group_total_moves_with_its_members_actuals(model):
    start, end = _day(10), _day(HORIZON - 1)
    low = {"s0": [(_day(s).toordinal(), 80.0) for s in range(5)]}
    before = model.pace_sum(["s0", "s1"], start, end).totals
    after = model.pace_sum(["s0", "s1"], start, end, low).totals
    assert after.mean() < 0.95 * before.mean()  # s0 is moved down; s1, without actuals, keeps its paths
    assert model.pace_sum(["s2"], start, end, low).totals.mean() == pytest.approx(
        model.pace_sum(["s2"], start, end).totals.mean()
    )  # a series is conditioned on its own actuals only


def test_group_total_keeps_the_common_shock(model):
    start, end = _day(0), _day(HORIZON - 1)
    joint = model.pace_sum(model.members({}), start, end).totals
    per_series = [model.pace_sum([s], start, end).totals for s in ("s0", "s1", "s2")]
    rng = np.random.default_rng(1)
    independent = sum(rng.permutation(t) for t in per_series)
    assert joint.std() > 1.5 * independent.std()
    assert joint.mean() == pytest.approx(independent.mean())


def test_groups_and_unknown_groups(model):
    assert model.groups() == {"region": {"N": 2, "S": 1}}
    assert model.members({"region": "N"}) == ["s0", "s1"]
    with pytest.raises(NotFound, match="available: N, S"):
        model.members({"region": "X"})
    with pytest.raises(NotFound, match="group columns: region"):
        model.members({"channel": "web"})


def test_forecast_step_checks_the_grid_and_the_horizon(model):
    assert model.forecast_step("s0", _day(0)) == 0
    with pytest.raises(OutOfRange, match="training history"):
        model.forecast_step("s0", HISTORY_END)
    with pytest.raises(OutOfRange, match="outside the forecast horizon"):
        model.forecast_step("s0", _day(HORIZON))
    with pytest.raises(NotFound):
        model.forecast_step("nope", _day(0))


def test_forecast_step_rejects_off_grid_dates():
    weekly = ForecastModel(
        version="v",
        manifest={"version": "v", "created_at": "2026-01-11T00:00:00Z", "freq": "W-FRI"},
        freq=Frequency("W-FRI"),
        infos=[SeriesInfo("w", "W-FRI", "2026-01-02", "2026-01-30", "2026-02-27", 5, {})],
        history=[np.full(5, 10.0)],
        yhat=np.full((1, 4), 10.0),
        paths=np.full((1, 20, 4), 10.0),
    )
    with pytest.raises(InvalidInput, match="not a period date"):
        weekly.forecast_step("w", dt.date(2026, 2, 3))


def _fit(series_id: str, errors: np.ndarray) -> SeriesFit:
    return SeriesFit(series_id, "{}", np.full(errors.shape[1], 100.0), errors, 0.1, True, "prophet", 1.0, 0.0)


def test_calibration_draws_are_joint_across_series():
    """Folds that share a date-wide shock give joint samples whose sums keep that shock."""
    rng = np.random.default_rng(2)
    n_series, folds, horizon = 12, 6, 20
    common = rng.normal(0.0, 1.0, (folds, 1))  # one shock per fold date, shared by every series
    fits = [_fit(f"s{i}", common + rng.normal(0.0, 0.3, (folds, horizon))) for i in range(n_series)]
    calibrate(fits, n_samples=400, nonnegative=True, seed=0)
    stacked = np.stack([f.paths.sum(axis=1) for f in fits])  # (series, samples) horizon totals
    joint_sd = stacked.sum(axis=0).std()
    independent_sd = np.stack([rng.permutation(row) for row in stacked]).sum(axis=0).std()
    assert joint_sd > 2.0 * independent_sd
    # The marginals are still the pooled library: every series spreads alike.
    spreads = stacked.std(axis=1)
    assert spreads.max() < 1.5 * spreads.min()


def test_groups_keep_their_members_shocks_together():
    """A store shock shared by its departments reaches the store total only when stores are blocks."""
    rng = np.random.default_rng(4)
    stores, depts, folds, horizon = 10, 6, 6, 13
    fits, groups = [], {}
    for store in range(stores):
        shock = rng.normal(0.0, 1.0, (folds, 1))  # per store and fold date, shared by its departments
        for dept in range(depts):
            sid = f"{store}-{dept}"
            fits.append(_fit(sid, shock + rng.normal(0.0, 0.3, (folds, horizon))))
            groups[sid] = {"store": str(store)}

    def store_total_sd(blocks: dict | None) -> float:
        calibrate(fits, n_samples=600, nonnegative=True, seed=1, groups=blocks)
        totals = np.stack([f.paths.sum(axis=1) for f in fits]).reshape(stores, depts, -1).sum(axis=1)
        return float(totals.std(axis=1).mean())

    by_store, dates_only = store_total_sd(groups), store_total_sd(None)
    assert by_store > 1.8 * dates_only
    # The departments' own spread is the pooled library either way.
    calibrate(fits, n_samples=600, nonnegative=True, seed=1, groups=groups)
    blocked = np.stack([f.paths.sum(axis=1) for f in fits]).std(axis=1)
    calibrate(fits, n_samples=600, nonnegative=True, seed=1)
    plain = np.stack([f.paths.sum(axis=1) for f in fits]).std(axis=1)
    assert blocked.mean() == pytest.approx(plain.mean(), rel=0.15)


def test_a_group_takes_its_errors_from_one_source_group_per_draw():
    rng = np.random.default_rng(5)
    fits = [_fit(f"s{i}", rng.normal(0.0, 0.3, (4, 8))) for i in range(7)]
    groups = {"s0": {"r": "a"}, "s1": {"r": "a"}, "s2": {"r": "a"}, "s3": {"r": "b"}, "s4": {"r": "b"}}
    block_of = {sid: tuple(v.items()) for sid, v in groups.items()}  # s5, s6: blocks of their own
    library = ErrorLibrary.pooled([f.errors for f in fits])
    draws = JointDraws.draw([f.errors for f in fits], fits, fits, library, 500, np.random.default_rng(0), block_of)
    block = np.array([0, 0, 0, 1, 1, 2, 3])  # each source's block
    assert (block[draws.sources[:, :3]] == block[draws.sources[:, :1]]).all()  # one source block per draw
    assert set(block[draws.sources[:, 0]]) == {0, 1, 2, 3}  # ... which any block can be
    inside = block[draws.sources[:, 0]] == 0
    assert (np.sort(draws.sources[inside, :3], axis=1) == [0, 1, 2]).all()  # same size: a permutation
    assert len(set(draws.sources[:, 5])) == 7  # an ungrouped series still draws from every source
    calibrate(fits, n_samples=200, nonnegative=True, seed=0, groups=groups)
    assert all(f.paths.shape == (200, 8) and np.isfinite(f.paths).all() for f in fits)


def test_the_spread_cache_gives_the_uncached_answer_and_follows_the_served_model(model):
    from models.planning.feasibility import VerdictCutoffs
    from models.planning.pace import SpreadCache, pace_answer

    cache, cutoffs = SpreadCache(size=2), VerdictCutoffs()
    periods = [(_day(0), _day(9)), (_day(5), _day(29)), (_day(-3), _day(3))]  # the last straddles history
    for _ in range(2):  # misses, then (for what the bound kept) hits
        for start, end in periods:
            for target in (500.0, 1000.0, 2500.0):
                plain = pace_answer(model, ["s0"], start, end, target, cutoffs, {})
                assert pace_answer(model, ["s0"], start, end, target, cutoffs, {}, cache=cache) == plain
    assert len(cache._entries) == 2  # bounded
    posted = {"s0": [(_day(1).toordinal(), 10.0)]}  # posted actuals are not cached: they condition the paths
    start, end = periods[0]
    assert pace_answer(model, ["s0"], start, end, 500.0, cutoffs, posted, cache=cache) == pace_answer(
        model, ["s0"], start, end, 500.0, cutoffs, posted
    )
    rng = np.random.default_rng(1)
    other = _model(100.0 * np.exp(rng.normal(0.0, 0.2, (3, N, HORIZON))), [{}, {}, {}])  # a reload
    assert pace_answer(other, ["s0"], start, end, 1000.0, cutoffs, {}, cache=cache) == pace_answer(
        other, ["s0"], start, end, 1000.0, cutoffs, {}
    )
    with pytest.raises(OutOfRange):  # an error is raised, not cached
        pace_answer(other, ["s0"], _day(0), _day(HORIZON + 5), 1.0, cutoffs, {}, cache=cache)

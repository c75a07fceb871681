"""Calibration on synthetic errors whose truth is known: AR(1) error paths around a known mean."""

import numpy as np
import pytest

from models.forecast.artifact import PathWriter
from models.forecast.calibration import ErrorLibrary, calibrate, to_recent_fold_spread
from models.forecast.fit import SeriesFit, standardised_errors

H = 12


def ar1_paths(rng: np.random.Generator, n: int, phi: float = 0.7, sd: float = 0.1) -> np.ndarray:
    """Log errors of a forecast half-way between the outcomes' median and mean (on the log scale), as
    calibration places its paths: AR(1) around -var_h / 4, so median * mean of exp(z_h) is 1."""
    eps = rng.normal(0, sd, (n, H))
    z = np.zeros((n, H))
    z[:, 0] = eps[:, 0]
    for h in range(1, H):
        z[:, h] = phi * z[:, h - 1] + eps[:, h]
    variance = sd**2 * np.cumsum(phi ** (2 * np.arange(H)))
    return z - variance / 4


def fake_fit(series_id: str, errors: np.ndarray, level: float = 100.0, multiplicative: bool = True) -> SeriesFit:
    return SeriesFit(
        series_id=series_id,
        model_json="{}",
        yhat=np.full(H, level),
        errors=errors,
        error_scale=1.0,
        multiplicative=multiplicative,
        model="prophet",
        prophet_weight=1.0,
        fit_seconds=0.0,
    )


@pytest.fixture(scope="module")
def calibrated():
    """100 series x 4 folds of known AR(1) log errors; then fresh outcomes from the same process.

    The point forecast (100) lies half-way between the outcomes' median and mean (see ``ar1_paths``).
    """
    rng = np.random.default_rng(1)
    fits = [fake_fit(f"s{i}", ar1_paths(rng, 4)) for i in range(100)]
    diagnostics = calibrate(fits, n_samples=2000, nonnegative=True, seed=3)
    outcomes = 100.0 * np.exp(ar1_paths(rng, 100 * 40))  # 40 fresh futures per series
    return fits, diagnostics, outcomes.reshape(100, 40, H)


def test_interval_coverage_matches_nominal_per_horizon_step(calibrated):
    fits, _, outcomes = calibrated
    for level in (0.8, 0.95):
        inside = []
        for fit, future in zip(fits, outcomes, strict=True):
            lo, hi = np.quantile(fit.paths, [(1 - level) / 2, (1 + level) / 2], axis=0)
            inside.append((future >= lo) & (future <= hi))
        by_step = np.mean(np.stack(inside), axis=(0, 1))
        assert abs(by_step.mean() - level) < 0.03
        assert np.all(np.abs(by_step - level) < 0.08)  # no horizon step far off


def test_period_sum_probabilities_keep_the_errors_dependence_over_time(calibrated):
    fits, _, outcomes = calibrated
    sums = outcomes.sum(axis=2)  # (series, futures)
    inside_paths, inside_iid = [], []
    rng = np.random.default_rng(5)
    for fit, future_sums in zip(fits, sums, strict=True):
        total = fit.paths.sum(axis=1)
        lo, hi = np.quantile(total, [0.1, 0.9])
        inside_paths.append((future_sums >= lo) & (future_sums <= hi))
        shuffled = np.stack([rng.permutation(fit.paths[:, h]) for h in range(H)], axis=1).sum(axis=1)
        lo, hi = np.quantile(shuffled, [0.1, 0.9])
        inside_iid.append((future_sums >= lo) & (future_sums <= hi))
    assert abs(np.mean(inside_paths) - 0.8) < 0.04
    assert np.mean(inside_iid) < 0.7  # what sampling steps independently would get wrong


def test_target_probabilities_are_reliable(calibrated):
    """Per target level, the mean forecast probability matches how often 2,000 futures hit it."""
    fits, _, outcomes = calibrated
    for mult in (0.9, 1.0, 1.1):
        target = mult * 100.0 * H
        probability = np.mean([np.mean(fit.paths.sum(axis=1) >= target) for fit in fits])
        hit = np.mean(outcomes.sum(axis=2) >= target)
        assert abs(probability - hit) < 0.03, (mult, probability, hit)


def test_diagnostics_and_coarse_pools_are_reported(calibrated):
    _, diagnostics, _ = calibrated
    assert diagnostics["multiplicative"]["paths"] == 400 and not diagnostics["multiplicative"]["coarse"]
    small = [fake_fit("a", ar1_paths(np.random.default_rng(0), 3))]
    assert calibrate(small, 100, nonnegative=True)["multiplicative"]["coarse"]


def test_steps_a_fold_never_observed_are_filled_from_that_step():
    paths = np.array([[0.1, 0.2, np.nan], [0.3, np.nan, np.nan], [-0.1, 0.0, 0.5]])
    z = ErrorLibrary(paths).sample(500, np.random.default_rng(0))
    assert not np.isnan(z).any()
    assert set(np.round(z[:, 2], 6)) == {0.5}
    assert set(np.round(z[:, 1], 6)) <= {0.2, 0.0}


def test_additive_series_get_additive_paths_and_stay_non_negative():
    rng = np.random.default_rng(2)
    fits = [fake_fit(f"s{i}", ar1_paths(rng, 4, sd=2.0), level=1.0, multiplicative=False) for i in range(10)]
    calibrate(fits, 500, nonnegative=True)
    assert (fits[0].paths >= 0).all() and fits[0].paths.min() == 0.0


def test_one_wild_fold_widens_the_tails_but_never_explodes_other_series_paths():
    rng = np.random.default_rng(5)
    fits = [fake_fit(f"s{i}", ar1_paths(rng, 4)) for i in range(50)]
    # A department that was forecast at ~0 in one fold: a standardised error of +40 (e^40).
    fits[0].errors[0, :] = 40.0
    calibrate(fits, n_samples=2000, nonnegative=True, seed=3)
    for fit in fits[1:]:
        # At most the pool's 99.5% quantile (~e^0.4) times the widest relative spread (4^0.25), not e^14.
        assert fit.paths.max() < 100 * 3
        assert fit.paths.mean() == pytest.approx(100, rel=0.1)  # the mean of a period is not dragged up


def test_log_errors_of_a_forecast_clipped_to_zero_are_bounded_by_the_floor():
    z = standardised_errors(np.array([100.0, 100.0]), np.array([0.0, 100.0]), 1.0, True, floor=50.0)
    assert z == pytest.approx([np.log(2.0), 0.0])


def test_a_bias_shared_by_the_fold_windows_is_not_carried_forward():
    """Every fold ran 20% high (a shock of those windows): the paths still centre on the forecast."""
    rng = np.random.default_rng(7)
    fits = [fake_fit(f"s{i}", ar1_paths(rng, 4) + np.log(1.2)) for i in range(50)]
    calibrate(fits, n_samples=2000, nonnegative=True, seed=3)
    for fit in fits[:5]:
        centre = np.sqrt(fit.paths.mean(axis=0) * np.median(fit.paths, axis=0))  # half-way, geometrically
        assert centre == pytest.approx(np.full(H, 100.0), rel=1e-3)
    spreads = np.log(fits[0].paths).std(axis=0)
    assert spreads[-1] == pytest.approx(0.1 / np.sqrt(1 - 0.7**2), rel=0.2)  # the AR(1) spread is kept


def test_a_series_that_forecast_better_in_its_folds_gets_a_somewhat_narrower_band():
    rng = np.random.default_rng(8)
    calm = [fake_fit(f"calm{i}", ar1_paths(rng, 4, sd=0.05)) for i in range(25)]
    wild = [fake_fit(f"wild{i}", ar1_paths(rng, 4, sd=0.2)) for i in range(25)]
    diagnostics = calibrate(calm + wild, n_samples=2000, nonnegative=True, seed=3)
    width = {f.series_id: np.subtract(*np.quantile(f.paths, [0.9, 0.1], axis=0)).mean() for f in calm + wild}
    ratio = np.mean([width[f"wild{i}"] for i in range(25)]) / np.mean([width[f"calm{i}"] for i in range(25)])
    assert 1.2 < ratio < 4**0.25 * 1.2  # wider, but shrunk well toward the pool (own spreads differ 4x)
    low, _, high = diagnostics["multiplicative"]["relative_spread_min_median_max"]
    assert low < 1 < high


def test_older_folds_lend_shape_and_only_part_of_their_extra_width():
    """Folds further back had less history and missed by twice as much: the bands sit between them and the latest.

    Here the future spreads like the latest fold, so the full re-scaling (power 1) would cover 0.80;
    half-way leaves the bands wider (real data sets measured better with that, see the module), and
    taking every fold at face value would cover 0.97.
    """
    rng = np.random.default_rng(9)
    fits = [fake_fit(f"s{i}", np.vstack([ar1_paths(rng, 1, sd=0.1), ar1_paths(rng, 3, sd=0.2)])) for i in range(100)]
    calibrate(fits, n_samples=2000, nonnegative=True, seed=3)
    outcomes = 100.0 * np.exp(ar1_paths(rng, 100 * 40, sd=0.1)).reshape(100, 40, H)
    inside = []
    for fit, future in zip(fits, outcomes, strict=True):
        lo, hi = np.quantile(fit.paths, [0.1, 0.9], axis=0)
        inside.append((future >= lo) & (future <= hi))
    assert 0.86 < np.mean(inside) < 0.94  # measured 0.91


def test_recent_fold_spread_rescales_each_fold_index_toward_the_latest():
    rng = np.random.default_rng(10)
    rows = [np.vstack([rng.normal(0, 1, (1, H)), rng.normal(0, 3, (2, H))]) for _ in range(200)]

    def spread(rescaled: list[np.ndarray], k: int) -> float:
        return float(np.median(np.abs(np.vstack([r[k] for r in rescaled]))))

    full, half = to_recent_fold_spread(rows, power=1.0), to_recent_fold_spread(rows)
    for k in (1, 2):
        assert spread(full, k) == pytest.approx(spread(full, 0), rel=0.1)  # all the way to the latest
        assert spread(half, k) == pytest.approx(spread(half, 0) * 3**0.5, rel=0.1)  # half-way: sqrt(3) wider
    assert half[0][0] == pytest.approx(rows[0][0])  # the latest fold is kept as it is


def test_a_sink_receives_the_same_paths_series_by_series(tmp_path):
    """Training writes the paths into the version as drawn (``PathWriter``): the same draws, none kept."""
    rng = np.random.default_rng(5)
    errors = [ar1_paths(rng, 4) for _ in range(6)]
    kept = [fake_fit(f"s{i}", e, multiplicative=i % 2 == 0) for i, e in enumerate(errors)]
    streamed = [fake_fit(f"s{i}", e, multiplicative=i % 2 == 0) for i, e in enumerate(errors)]
    calibrate(kept, n_samples=50, nonnegative=True, seed=9)
    writer = PathWriter(tmp_path, len(streamed), 50, H)
    calibrate(streamed, n_samples=50, nonnegative=True, seed=9, sink=writer)
    writer.close()
    assert all(f.paths is None for f in streamed)
    assert not (tmp_path / "paths.npy").exists()  # the service reads the cumulative sums only
    cum = np.load(tmp_path / "cum_paths.npy")
    assert cum.shape == (6, H + 1, 50) and np.all(cum[:, 0] == 0)
    drawn = np.stack([f.paths for f in kept])  # (series, samples, steps)
    want = np.cumsum(drawn.transpose(0, 2, 1), axis=1, dtype=np.float64).astype(np.float32)
    assert np.array_equal(cum[:, 1:], want)  # the same draws, accumulated in float64, cast once

"""The evaluation table's bias column and per-origin rows, from hand-made scores (no fitting)."""

import numpy as np
import pandas as pd
import pytest

from models.forecast.contracts import Frequency
from training.jobs.evaluate import OURS, _score, _Scores, _summarise, render_table


def test_bias_and_calibration_in_the_large_are_reported_per_origin():
    s = _Scores()
    freq = Frequency("W-FRI")
    train = np.full(60, 100.0)  # last year's same-period sum: 400 -> targets 340 ... 460
    for k, forecast in enumerate((112.0, 88.0)):  # origin 0 over-forecasts by 12%, origin 1 under by 12%
        actual = np.full(4, 100.0)
        paths = np.full((50, 4), forecast)
        _score(s, k, actual, train, freq, np.full(4, forecast), lambda lvl: None, paths, None)
        s.seconds.append(0.1)
    origins = [pd.Timestamp("2012-01-06"), pd.Timestamp("2012-04-06")]
    result = _summarise({OURS: s}, origins, 4, 1, 0, freq)
    over, under = result.by_origin[OURS]
    assert over["bias"] == pytest.approx(0.12) and under["bias"] == pytest.approx(-0.12)
    # A total of 448 reaches 6 of the 7 targets (340 ... 440), 352 one; the actual 400 reaches 4.
    assert over["mean_probability"] - over["hit_rate"] == pytest.approx(2 / 7)
    assert under["mean_probability"] - under["hit_rate"] == pytest.approx(-3 / 7)
    assert result.table[OURS]["bias"] == pytest.approx(0.0)
    text = render_table(result)
    assert "+12.0% | +0.29" in text and "-12.0% | -0.43" in text


def _joint_scores(origins: int, series: int, common: bool, seed: int = 0) -> _Scores:
    """Scores of a calibrated forecaster: each origin's actuals are one of its own joint samples."""
    rng = np.random.default_rng(seed)
    s, freq, train = _Scores(joint=True), Frequency("W-FRI"), np.full(60, 100.0)
    for k in range(origins):
        shock = rng.normal(0, 0.1, 200)  # sample j's shared scenario
        j = int(rng.integers(0, 200))
        for _ in range(series):
            own = rng.normal(0, 0.1, 200)
            level = 100 * np.exp((shock if common else 0) + own)
            paths = np.repeat(level[:, None], 4, axis=1)
            _score(s, k, paths[j], train, freq, paths.mean(axis=0), lambda lvl: None, paths, None)
            s.seconds.append(0.1)
    return s


def test_evaluate_reports_the_ece_a_calibrated_forecaster_would_show_by_chance():
    """Shocks shared by every series make few origins a small sample: the chance ECE says how small."""
    freq = Frequency("W-FRI")
    shared = _summarise({OURS: _joint_scores(2, 60, common=True)}, [pd.Timestamp("2012-01-06")] * 2, 4, 60, 0, freq)
    apart = _summarise({OURS: _joint_scores(2, 60, common=False)}, [pd.Timestamp("2012-01-06")] * 2, 4, 60, 0, freq)
    row, calm = shared.table[OURS], apart.table[OURS]
    assert row["ece_chance_p10"] <= row["ece_chance_median"] <= row["ece_chance_p90"]
    # 840 targets: independent series leave ECE near 0.03; one shared shock per origin several times that.
    assert calm["ece_chance_median"] < 0.05 < row["ece_chance_median"]
    assert "ECE by chance: a calibrated sales-sentinel would show" in render_table(shared)
    plain = _Scores()  # a peer's paths are not joint across series: no chance figure for it
    _score(
        plain,
        0,
        np.full(4, 100.0),
        np.full(60, 100.0),
        freq,
        np.full(4, 100.0),
        lambda lvl: None,
        np.full((50, 4), 100.0),
        None,
    )
    plain.seconds.append(0.1)
    assert "ece_chance_median" not in _summarise({OURS: plain}, [pd.Timestamp("2012-01-06")], 4, 1, 0, freq).table[OURS]

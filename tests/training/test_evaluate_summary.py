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

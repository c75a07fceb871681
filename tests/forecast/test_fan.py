"""Fan-chart data of a sum of series, on hand-built models (no Prophet)."""

import numpy as np
import pandas as pd
import pytest

from models.errors import InvalidInput, NotFound
from models.forecast.contracts import Frequency
from models.forecast.model import ForecastModel, SeriesInfo


def _model(histories: dict[str, list[float]], paths: dict[str, list[list[float]]], start: str = "2024-01-01"):
    """Daily series all starting on ``start``; ``paths[sid]`` is (n_samples, horizon)."""
    infos = []
    for sid, h in histories.items():
        horizon = len(paths[sid][0])
        days = pd.date_range(start, periods=len(h) + horizon, freq="D")
        infos.append(
            SeriesInfo(
                sid, "D", f"{days[0]:%Y-%m-%d}", f"{days[len(h) - 1]:%Y-%m-%d}", f"{days[-1]:%Y-%m-%d}", len(h), {}
            )
        )
    stacked = np.array([paths[sid] for sid in histories], dtype=np.float32)
    yhat = stacked.mean(axis=1)
    manifest = {"created_at": "2024-01-05T00:00:00+00:00"}
    arrays = [np.array(h) for h in histories.values()]
    return ForecastModel("v1", manifest, Frequency("D"), infos, arrays, yhat, stacked)


def day(text: str) -> int:
    return pd.Timestamp(text).toordinal()


def test_a_sum_is_taken_sample_by_sample():
    # Two series whose errors offset each other in every scenario: their sum is certain, although
    # each one alone is not (adding the members' own quantiles would show a wide band).
    model = _model(
        {"a": [1.0, 2.0], "b": [10.0, 20.0]},
        {"a": [[1.0, 5.0], [2.0, 6.0], [3.0, 7.0]], "b": [[3.0, 7.0], [2.0, 6.0], [1.0, 5.0]]},
    )
    fan = model.fan(["a", "b"], history_periods=5)
    assert fan.history_days == [day("2024-01-01"), day("2024-01-02")] and fan.history.tolist() == [11.0, 22.0]
    assert fan.days == [day("2024-01-03"), day("2024-01-04")]
    assert fan.mean.tolist() == [4.0, 12.0] and fan.p50.tolist() == [4.0, 12.0]
    for lower, upper in fan.bands.values():
        assert lower.tolist() == upper.tolist() == [4.0, 12.0]
    alone = model.fan(["a"], history_periods=1)
    assert alone.history.tolist() == [2.0] and alone.p50.tolist() == [2.0, 6.0]
    lower95, upper95 = alone.bands[95]
    assert lower95.tolist() == pytest.approx([1.05, 5.05]) and upper95.tolist() == pytest.approx([2.95, 6.95])


def test_members_ending_their_history_on_different_dates_are_summed_by_date():
    # a: history Jan 1-3, forecast Jan 4-5; b: history Jan 1-4, forecast Jan 5-6.
    model = _model(
        {"a": [1.0, 1.0, 1.0], "b": [10.0, 10.0, 10.0, 10.0]},
        {"a": [[2.0, 3.0], [4.0, 5.0]], "b": [[20.0, 30.0], [40.0, 50.0]]},
    )
    fan = model.fan(["a", "b"], history_periods=10)
    # History stops where the first member's forecast starts; there the other adds its recorded
    # value, and the forecast ends with the first member's horizon: each point is the whole total.
    assert fan.history_days == [day("2024-01-01"), day("2024-01-02"), day("2024-01-03")]
    assert fan.history.tolist() == [11.0, 11.0, 11.0]
    assert fan.days == [day("2024-01-04"), day("2024-01-05")]
    assert fan.mean.tolist() == [3.0 + 10.0, 4.0 + 30.0]
    assert fan.bands[50][0].tolist() == pytest.approx([2.5 + 10.0, 3.5 + 25.0])  # sample-wise: 3+20, 5+40


def test_posted_actuals_after_each_members_history_are_summed_and_counted():
    model = _model({"a": [1.0, 1.0], "b": [1.0, 1.0, 1.0]}, {"a": [[1.0, 1.0, 1.0]], "b": [[1.0, 1.0, 1.0]]})
    posted = {
        "a": [(day("2024-01-03"), 5.0), (day("2024-01-04"), 6.0)],
        "b": [(day("2024-01-03"), 7.0), (day("2024-01-04"), 8.0)],  # Jan 3 is in b's history: not an actual
        "c": [(day("2024-01-04"), 100.0)],  # not a member
    }
    fan = model.fan(["a", "b"], history_periods=3, posted=posted)
    assert fan.actual_days == [day("2024-01-03"), day("2024-01-04")]
    assert fan.actuals.tolist() == [5.0, 14.0] and fan.actual_series == [1, 2]


def test_history_periods_caps_the_history_and_bad_requests_are_named():
    model = _model({"a": [1.0, 2.0, 3.0]}, {"a": [[1.0]]})
    assert model.fan(["a"], history_periods=2).history.tolist() == [2.0, 3.0]
    assert model.fan(["a"], history_periods=0).history_days == []
    with pytest.raises(InvalidInput, match="history_periods"):
        model.fan(["a"], history_periods=-1)
    with pytest.raises(NotFound, match="unknown series 'zz'"):
        model.fan(["zz"], history_periods=1)

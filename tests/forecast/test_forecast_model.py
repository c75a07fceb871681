"""Period sums over history + sample paths, on a tiny hand-built model (no Prophet)."""

import numpy as np
import pandas as pd
import pytest

from models.errors import InvalidInput, NotFound, OutOfRange
from models.forecast.contracts import Frequency
from models.forecast.model import ForecastModel, SeriesInfo

T = pd.Timestamp


def model(freq: str = "D", start: str = "2024-01-01") -> ForecastModel:
    history = np.array([1.0, 2.0, 3.0, 4.0])
    timeline = pd.date_range(start, periods=7, freq=freq)
    info = SeriesInfo("s", freq, f"{timeline[0]:%Y-%m-%d}", f"{timeline[3]:%Y-%m-%d}", f"{timeline[6]:%Y-%m-%d}", 4, {})
    paths = np.array([[[10.0, 10.0, 10.0], [20.0, 20.0, 20.0]]], dtype=np.float32)  # 1 series, 2 samples, 3 steps
    manifest = {"version": "v1", "created_at": "2024-01-05T00:00:00+00:00"}
    return ForecastModel("v1", manifest, Frequency(freq), [info], [history], np.array([[15.0, 15.0, 15.0]]), paths)


def test_period_across_history_and_forecast_counts_actuals_once():
    period = model().period_sum("s", T("2024-01-03"), T("2024-01-05"))
    assert period.actual == 7.0  # 3 + 4 recorded
    assert (period.periods_actual, period.periods_forecast) == (2, 1)
    assert period.totals.tolist() == [17.0, 27.0]


def test_period_inside_history_is_certain():
    period = model().period_sum("s", T("2024-01-01"), T("2024-01-02"))
    assert period.totals.tolist() == [3.0, 3.0]


def test_period_inside_forecast_sums_each_path():
    period = model().period_sum("s", T("2024-01-05"), T("2024-01-07"))
    assert period.actual == 0.0
    assert period.totals.tolist() == [30.0, 60.0]


def test_weekly_periods_count_when_their_label_date_is_in_range():
    m = model("W-FRI", "2024-01-05")  # Fridays 01-05 .. 02-16
    # 2024-01-20..2024-02-05 contains the Fridays 01-26 (history: 4) and 02-02 (forecast step 1)
    assert m.period_sum("s", T("2024-01-20"), T("2024-02-05")).totals.tolist() == [14.0, 24.0]
    with pytest.raises(OutOfRange, match="no weekly period"):
        m.period_sum("s", T("2024-01-06"), T("2024-01-11"))


def test_period_outside_history_and_horizon_states_the_valid_range():
    with pytest.raises(OutOfRange, match="2024-01-01..2024-01-07"):
        model().period_sum("s", T("2024-01-05"), T("2024-01-08"))
    with pytest.raises(OutOfRange):
        model().period_sum("s", T("2023-12-31"), T("2024-01-02"))


def test_reversed_period_and_unknown_series_are_named():
    with pytest.raises(InvalidInput, match="before start"):
        model().period_sum("s", T("2024-01-03"), T("2024-01-02"))
    with pytest.raises(NotFound, match="'nope'"):
        model().period_sum("nope", T("2024-01-01"), T("2024-01-02"))


def test_forecast_bands_come_from_the_samples():
    columns = model().forecast("s", horizon=2, level=80)
    assert [f"{d:%Y-%m-%d}" for d in columns["ds"]] == ["2024-01-05", "2024-01-06"]
    assert columns["lower"][0] == pytest.approx(11.0) and columns["upper"][0] == pytest.approx(19.0)
    with pytest.raises(OutOfRange, match="between 1 and 3"):
        model().forecast("s", horizon=4, level=80)


def test_forecast_bands_are_cached_per_level_and_the_cache_is_bounded(monkeypatch):
    m = model()
    assert not m.has_bands("s", 80)
    first = m.forecast("s", horizon=3, level=80)
    assert m.has_bands("s", 80) and not m.has_bands("s", 50)
    assert m.forecast("s", horizon=2, level=80)["upper"] == first["upper"][:2]  # served from the cache
    monkeypatch.setattr("models.forecast.model.BAND_CACHE_SIZE", 3)
    for level in (10, 20, 30, 40):
        m.forecast("s", horizon=1, level=level)
    assert not m.has_bands("s", 80) and m.has_bands("s", 40)  # oldest evicted first
    with pytest.raises(NotFound):
        m.has_bands("nope", 80)

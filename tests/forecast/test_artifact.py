"""A stored forecast version reads back as it was written: the served model, its series and its history."""

import numpy as np

from models.forecast.artifact import load_forecast, load_history, read_series


def test_a_version_reads_back_its_series_and_history_without_loading_the_paths(trained_registry):
    directory, manifest = trained_registry.open_version("forecast", trained_registry.champion("forecast"))
    model = load_forecast(directory, manifest)
    assert read_series(directory) == model.infos
    history = load_history(directory)
    assert list(history.columns) == ["series_id", "ds", "y"] and len(history) == sum(i.n_obs for i in model.infos)
    first = model.infos[0]
    one = load_history(directory, first.series_id)
    assert set(one["series_id"]) == {first.series_id} and len(one) == first.n_obs
    assert f"{one['ds'].iloc[-1]:%Y-%m-%d}" == first.history_end
    # the served model's history totals are the stored ones
    period = model.period_sum(first.series_id, one["ds"].iloc[0].date(), one["ds"].iloc[-1].date())
    assert np.isclose(period.actual, one["y"].sum()) and period.periods_forecast == 0

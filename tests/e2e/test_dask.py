"""Training through a real Dask cluster (scheduler + 2 worker processes on loopback)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from prophet.serialize import model_from_json

from models.forecast.artifact import load_forecast
from models.registry import Registry
from training.cli import main
from training.jobs.sample import make_sales

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster


def test_train_forecast_through_a_dask_cluster_streams_every_series_into_the_version(cluster, tmp_path, capsys):
    sales = make_sales(seed=5, stores_per_region=1)
    sales = sales[sales["series_id"].isin(sorted(sales["series_id"].unique())[:3])]
    sales.to_csv(tmp_path / "sales.csv", index=False)
    args = ["train", "forecast", "--data", str(tmp_path / "sales.csv"), "--registry", str(tmp_path / "registry")]
    args += ["--horizon", "30", "--samples", "200", "--folds", "2", "--json"]
    assert main([*args, "--dask-scheduler", cluster.scheduler_address]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["series_fitted"] == 3 and summary["promoted"]

    registry = Registry(tmp_path / "registry")
    directory, manifest = registry.open_version("forecast", summary["version"])  # every checksum holds
    assert manifest["training"] == {"backend": "dask"}
    assert sorted(p.name for p in (directory / "prophet").iterdir()) == ["0.json", "1.json", "2.json"]
    model = load_forecast(directory, manifest)
    assert [i.series_id for i in model.infos] == sorted(sales["series_id"].unique())
    for i, info in enumerate(model.infos):  # prophet/<i>.json belongs to the i-th series, whatever the arrival order
        prophet = model_from_json((directory / "prophet" / f"{i}.json").read_text())
        expected = sales.loc[sales["series_id"] == info.series_id, "y"].to_numpy()
        assert np.isclose(prophet.history["y"].iloc[-1], expected[-1])
    assert np.isfinite(model.forecast(model.infos[0].series_id, 30, 80.0)["yhat"]).all()


def test_an_unreachable_scheduler_is_invalid_input(tmp_path, capsys):
    sales = make_sales(seed=5, stores_per_region=1)
    sales[sales["series_id"] == sales["series_id"].iloc[0]].to_csv(tmp_path / "sales.csv", index=False)
    args = ["train", "forecast", "--data", str(tmp_path / "sales.csv"), "--registry", str(tmp_path / "registry")]
    assert main([*args, "--dask-scheduler", "tcp://127.0.0.1:9"]) == 3
    assert "Dask scheduler" in capsys.readouterr().err
    assert Registry(tmp_path / "registry").versions("forecast") == []

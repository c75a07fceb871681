"""retrain.yaml's driver keys: regressors, future, open_col, regressor_fill; a champion's drivers are kept."""

import json
from dataclasses import replace

import pytest

from models.errors import InvalidInput
from models.forecast.drivers import DriverSpec
from training.retrain.config import load_retrain_config
from training.retrain.report import JobResult
from training.retrain.run import _drivers_kept

SOURCES = {"sales": {"path": "sales.csv"}}


def load(tmp_path, **forecast):
    path = tmp_path / "retrain.yaml"
    path.write_text(json.dumps({"sources": SOURCES, "jobs": {"forecast": {"source": "sales", **forecast}}}))
    return load_retrain_config(path).forecast


@pytest.mark.parametrize("regressors", [["promo", "price"], "promo, price"])
def test_regressors_as_a_list_or_a_comma_string_and_future_beside_the_config(tmp_path, regressors):
    job = load(tmp_path, regressors=regressors, future="plans/*.csv", regressor_fill={"promo": "0", "price": "last"})
    assert job.drivers.regressors == ("promo", "price") and job.drivers.fill == {"promo": "0", "price": "last"}
    assert job.future == str(tmp_path / "plans/*.csv")
    with pytest.raises(InvalidInput, match=r"jobs\.forecast\.future: no file matches"):
        job.future_files()


def test_without_driver_keys_nothing_changes(tmp_path):
    job = load(tmp_path)
    assert not job.drivers.active and job.future is None and job.future_files() == []


@pytest.mark.parametrize(
    ("forecast", "field"),
    [
        ({"regressors": 3}, "jobs.forecast.regressors"),
        ({"regressors": ["promo", "promo"]}, "jobs.forecast.regressors"),
        ({"regressors": "promo", "regressor_fill": {"promo": "often"}}, "jobs.forecast.regressor_fill"),
        ({"regressors": "promo", "regressor_fill": "promo=0"}, "jobs.forecast.regressor_fill"),
        ({"future": "plan.csv"}, "jobs.forecast.future"),
        ({"regressor": "promo"}, "jobs.forecast.regressor"),
    ],
)
def test_a_bad_driver_field_is_named(tmp_path, forecast, field):
    with pytest.raises(InvalidInput, match=field.replace(".", r"\.")):
        load(tmp_path, **forecast)


def test_a_challenger_without_the_champions_regressors_is_refused_naming_them():
    result = JobResult("forecast", "failed")
    assert not _drivers_kept({"drivers": {"regressors": ["promo", "price"]}}, DriverSpec(("promo",)), result)
    (reason,) = result.reasons
    assert "price" in reason and "jobs.forecast.regressors" in reason
    assert _drivers_kept({"drivers": None}, DriverSpec(), JobResult("forecast", "failed"))


def test_a_challenger_without_the_champions_open_col_is_refused_naming_it():
    manifest = {"drivers": {"regressors": [], "open_col": "open"}}
    result = JobResult("forecast", "failed")
    assert not _drivers_kept(manifest, DriverSpec(), result)
    (reason,) = result.reasons
    assert "jobs.forecast.open_col" in reason and "open" in reason and "exactly 0" in reason
    assert _drivers_kept(manifest, DriverSpec(open_col="store_open"), JobResult("forecast", "failed"))  # renamed


@pytest.fixture(scope="module")
def promo_champion(tmp_path_factory):
    """Two sample stores closed on Christmas Day; a champion trained with promo and open_col ``open``
    on all but the last 14 days (real fits)."""
    import pandas as pd

    from models.registry import Registry
    from training.jobs.forecast import TrainOptions, train_forecast
    from training.jobs.sample import make_promo_plan, make_sales

    root = tmp_path_factory.mktemp("retrain-drivers")
    sales = make_sales(stores_per_region=1)
    sales = sales[sales["series_id"].isin(["store-01", "store-02"])][["series_id", "ds", "y", "promo"]]
    christmas = pd.to_datetime(sales["ds"]).dt.strftime("%m-%d") == "12-25"
    sales = sales.assign(y=sales["y"].where(~christmas, 0.0), open=(~christmas).astype(int))
    sales.to_csv(root / "sales.csv", index=False)
    plan = make_promo_plan(stores_per_region=1, days=14)
    plan[plan["series_id"].isin(["store-01", "store-02"])].assign(open=1).to_csv(root / "future.csv", index=False)
    dates = pd.to_datetime(sales["ds"])
    cutoff = dates.max() - pd.Timedelta(days=14)
    old, after = sales[dates <= cutoff], sales[dates > cutoff][["series_id", "ds", "promo", "open"]]
    options = TrainOptions(horizon=14, n_samples=50, calibration_folds=2, n_jobs=1, progress=False)
    options = replace(options, drivers=DriverSpec(regressors=("promo",), open_col="open"))
    train_forecast(old, Registry(root / "registry"), options, after)
    return root


def retrain(root, tmp_path, **drivers):
    import shutil

    from models.registry import Registry
    from training.cli import main

    shutil.copytree(root / "registry", tmp_path / "registry")
    shutil.copy(root / "sales.csv", tmp_path / "sales.csv")
    shutil.copy(root / "future.csv", tmp_path / "future.csv")
    forecast = {"source": "sales", "horizon": 14, "samples": 50, "folds": 2, **drivers}
    config = {"sources": SOURCES, "jobs": {"forecast": forecast}, "policy": {"tolerance": 10}}
    (tmp_path / "retrain.yaml").write_text(json.dumps(config))
    registry = Registry(tmp_path / "registry")
    code = main(
        ["retrain", "--config", str(tmp_path / "retrain.yaml"), "--registry", str(registry.root), "--jobs", "1"]
    )
    (run,) = [p for p in (registry.root / "runs").iterdir() if not p.name.startswith(".")]
    return code, registry, json.loads((run / "report.json").read_text())["jobs"][0]


def test_a_retrain_with_regressors_promotes_a_champion_with_drivers_and_a_plan(promo_champion, tmp_path):
    from models.forecast.artifact import load_plan

    code, registry, job = retrain(promo_champion, tmp_path, regressors="promo", open_col="open", future="future.csv")
    assert code == 0 and job["status"] == "promoted", job["reasons"]
    assert job["gate"]["fold_periods"] == 14  # the gate fitted the fold with the promo it saw
    directory, manifest = registry.open_version("forecast", registry.champion("forecast"))
    assert manifest["drivers"]["regressors"] == ["promo"] and load_plan(directory) is not None
    assert manifest["drivers"]["open_col"] == "open"


def test_a_retrain_without_the_champions_regressors_is_refused(promo_champion, tmp_path):
    code, registry, job = retrain(promo_champion, tmp_path)
    assert code == 10 and job["status"] == "rejected" and job["version"] is None
    assert any("promo" in r and "jobs.forecast.regressors" in r for r in job["reasons"])


def test_a_retrain_without_the_champions_open_col_is_refused(promo_champion, tmp_path):
    code, registry, job = retrain(promo_champion, tmp_path, regressors="promo", future="future.csv")
    assert code == 10 and job["status"] == "rejected" and job["version"] is None
    (reason,) = [r for r in job["reasons"] if "champion was trained with" in r]
    assert "jobs.forecast.open_col" in reason and "open" in reason

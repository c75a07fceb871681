"""`sentinel train forecast --regressors`: the plan from --future, effects in series.json and the API."""

import json

import pandas as pd
import pytest

from models.forecast.artifact import load_plan, read_series
from models.registry import Registry
from service.api.schemas.series import SeriesDetail
from tests.service.conftest import client_for
from training.cli import main
from training.jobs.sample import make_promo_plan, make_sales


@pytest.fixture(scope="module")
def driver_registry(tmp_path_factory):
    """Two stores of the sample company trained with their promotion plan (real Prophet fits)."""
    root = tmp_path_factory.mktemp("drivers")
    sales = make_sales(stores_per_region=1)
    sales = sales[sales["series_id"].isin(["store-01", "store-02"])]
    sales.to_csv(root / "sales.csv", index=False)
    plan = make_promo_plan(stores_per_region=1, days=28)
    plan[plan["series_id"].isin(["store-01", "store-02"])].to_csv(root / "future.csv", index=False)
    args = ["train", "forecast", "--data", str(root / "sales.csv"), "--regressors", "promo"]
    args += ["--future", str(root / "future.csv"), "--horizon", "28", "--samples", "100", "--folds", "2"]
    assert main([*args, "--jobs", "1", "--registry", str(root / "registry")]) == 0
    return Registry(root / "registry")


def test_the_version_stores_the_plan_and_each_series_fitted_effect(driver_registry):
    version = driver_registry.champion("forecast")
    directory = driver_registry.version_dir("forecast", version)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert "plan.parquet" in manifest["files"] and manifest["drivers"]["regressors"] == ["promo"]
    plan = load_plan(directory, "store-01")
    assert len(plan) == 28 and set(plan["promo"]) <= {0.0, 1.0}
    for info in read_series(directory):
        assert info.effects["promo"]["fitted"] and 0.1 < info.effects["promo"]["coef"] < 0.35  # 22% in the data


def test_series_detail_shows_the_effects_in_its_schema(driver_registry):
    with client_for(driver_registry.root) as client:
        body = client.get("/v1/series/store-01").json()
    detail = SeriesDetail.model_validate(body)
    assert detail.effects["promo"].mode == "multiplicative" and detail.effects["promo"].effect.endswith("per unit")


def test_a_plan_that_does_not_cover_the_horizon_trains_nothing(tmp_path, capsys, driver_registry):
    before = sorted(p.relative_to(driver_registry.root) for p in driver_registry.root.rglob("*"))
    sales = tmp_path / "sales.csv"
    make_sales(stores_per_region=1).to_csv(sales, index=False)
    code = main(
        ["train", "forecast", "--data", str(sales), "--regressors", "promo,price", "--horizon", "28"]
        + ["--registry", str(driver_registry.root)]
    )
    err = capsys.readouterr().err
    assert code == 3 and "[missing_regressors]" in err and "[plan_incomplete]" in err and "store-01 from" in err
    assert sorted(p.relative_to(driver_registry.root) for p in driver_registry.root.rglob("*")) == before


def test_the_stored_history_keeps_the_contract_columns_only(driver_registry):
    version = driver_registry.champion("forecast")
    history = pd.read_parquet(driver_registry.version_dir("forecast", version) / "history.parquet")
    assert list(history.columns) == ["series_id", "ds", "y"]

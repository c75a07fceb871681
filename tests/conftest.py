"""Shared fixtures: a small trained registry (real Prophet fits, once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.registry import Registry
from training.jobs.forecast import TrainOptions, train_forecast
from training.jobs.sample import make_sales

SHARED_DATA = Path(os.environ.get("SENTINEL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip naming what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not found: these tests read ../shared/data (or $SENTINEL_SHARED_DATA)")
    return path


def walmart_stores_args() -> list[str]:
    """``--data`` and the mapping options for the 45 Walmart stores (weekly, dd-mm-YYYY)."""
    data = shared_data("walmart_store_sales", "Walmart.csv")
    return [
        "--data",
        str(data),
        "--id-col",
        "Store",
        "--date-col",
        "Date",
        "--date-format",
        "%d-%m-%Y",
        "--value-col",
        "Weekly_Sales",
    ]


@pytest.fixture(scope="session")
def small_sales():
    """Four stores (one per region) of the built-in sample company."""
    return make_sales(seed=7, stores_per_region=1)


def _small_options(**changes: object) -> TrainOptions:
    """The training options of the session's small registries: 300 paths, US holidays, both groups."""
    defaults: dict[str, object] = {
        "horizon": 120,
        "n_samples": 300,
        "country_holidays": "US",
        "calibration_folds": 3,
        "group_cols": ("region", "store_format"),
        "n_jobs": 2,
        "progress": False,
    }
    return TrainOptions(**{**defaults, **changes})


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory, small_sales) -> Registry:
    registry = Registry(tmp_path_factory.mktemp("registry"))
    train_forecast(small_sales, registry, _small_options())
    return registry


@pytest.fixture(scope="session")
def driver_registry(tmp_path_factory, small_sales) -> Registry:
    """``trained_registry``'s four stores and options, trained with their promotion plan (``--regressors promo``)."""
    from models.forecast.drivers import DriverSpec
    from training.jobs.sample import make_promo_plan

    registry = Registry(tmp_path_factory.mktemp("driver-registry"))
    options = _small_options(drivers=DriverSpec(regressors=("promo",)))
    train_forecast(small_sales, registry, options, future=make_promo_plan(seed=7, stores_per_region=1, days=120))
    return registry


@pytest.fixture(scope="session")
def churn_registry(tmp_path_factory) -> Registry:
    """A churn champion trained on 2,000 sample customers (a few seconds: tiny search budget)."""
    from training.jobs.churn import train_churn
    from training.jobs.sample import make_customers

    registry = Registry(tmp_path_factory.mktemp("churn-registry"))
    train_churn(
        make_customers(seed=7, n=2000),
        registry,
        id_col="customer_id",
        label_col="churned",
        value_col="monthly_value",
        segment_col="region",
        budget_seconds=0.5,
    )
    return registry


@pytest.fixture(scope="session")
def churn_model(churn_registry):
    from models.churn.artifact import load_churn

    return load_churn(*churn_registry.open_version("churn", churn_registry.champion("churn")))


HELD_OUT_DAYS = 60


@pytest.fixture(scope="session")
def held_out_registry(tmp_path_factory, small_sales) -> tuple[Registry, object]:
    """The four sample stores trained without their last 60 days; (registry, those 60 days' rows).

    What forecast accountability is proved on: posting the held-out days scores the model's
    distributions against what really happened.
    """
    days = sorted(small_sales["ds"].unique())
    cut = days[-HELD_OUT_DAYS]
    registry = Registry(tmp_path_factory.mktemp("held-out-registry"))
    train_forecast(small_sales[small_sales["ds"] < cut], registry, _small_options(horizon=90))
    return registry, small_sales[small_sales["ds"] >= cut].reset_index(drop=True)

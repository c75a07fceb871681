"""Shared fixtures: a small trained registry (real Prophet fits, once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.registry import Registry
from training.forecast_job import train_forecast
from training.sample import make_sales

SHARED_DATA = Path(os.environ.get("SENTINEL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip naming what is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"{path} not found: these tests read ../shared/data (or $SENTINEL_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def small_sales():
    """Four stores (one per region) of the built-in sample company."""
    return make_sales(seed=7, stores_per_region=1)


@pytest.fixture(scope="session")
def trained_registry(tmp_path_factory, small_sales) -> Registry:
    registry = Registry(tmp_path_factory.mktemp("registry"))
    train_forecast(
        small_sales,
        registry,
        horizon=120,
        n_samples=300,
        country_holidays="US",
        calibration_folds=3,
        n_jobs=2,
        progress=False,
        group_cols=("region", "store_format"),
    )
    return registry

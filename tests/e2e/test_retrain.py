"""`sentinel retrain` end to end: the gate rejects a broken extract, a killed run changes nothing,
the lock keeps runs apart, and a good run promotes and reports."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import time

import pandas as pd
import pytest

from models.registry import Registry
from tests.e2e.conftest import SENTINEL, wait_until
from training.cli import main
from training.jobs.forecast import TrainOptions, train_forecast
from training.jobs.sample import make_sales

pytestmark = pytest.mark.e2e
NEW_DAYS = 30


@pytest.fixture(scope="module")
def sales() -> pd.DataFrame:
    sales = make_sales(seed=11, stores_per_region=1)[["series_id", "ds", "y"]]
    return sales.assign(ds=pd.to_datetime(sales["ds"]))


@pytest.fixture(scope="module")
def champion_registry(tmp_path_factory, sales) -> Registry:
    """A champion trained a month ago: on all but the last NEW_DAYS days."""
    registry = Registry(tmp_path_factory.mktemp("retrain") / "registry")
    cutoff = sales["ds"].max() - pd.Timedelta(days=NEW_DAYS)
    options = TrainOptions(horizon=60, n_samples=200, calibration_folds=2, n_jobs=2, progress=False)
    train_forecast(sales[sales["ds"] <= cutoff], registry, options)
    return registry


@pytest.fixture
def registry(champion_registry, tmp_path) -> Registry:
    shutil.copytree(champion_registry.root, tmp_path / "registry")
    return Registry(tmp_path / "registry")


def write_config(tmp_path, data: pd.DataFrame, registry: Registry) -> str:
    data.to_csv(tmp_path / "sales.csv", index=False)
    config = {
        "registry": str(registry.root),
        "sources": {"sales": {"path": "sales*.csv"}},
        "jobs": {"forecast": {"source": "sales", "horizon": 60, "samples": 200, "folds": 2}},
        "policy": {"tolerance": 0.05, "max_level_shift_share": 0.25},
    }
    (tmp_path / "retrain.yaml").write_text(json.dumps(config))  # JSON is YAML
    return str(tmp_path / "retrain.yaml")


def snapshot(registry: Registry) -> tuple[list[str], str]:
    return registry.versions("forecast"), registry.champion("forecast")


def report_of(registry: Registry) -> dict:
    (run,) = [p for p in (registry.root / "runs").iterdir() if not p.name.startswith(".")]
    assert {p.name for p in run.iterdir()} == {"report.json", "summary.txt", "report.html"}
    return json.loads((run / "report.json").read_text())


def test_a_month_of_zeros_for_half_the_series_is_rejected_with_the_reason(registry, sales, tmp_path, capsys):
    before = snapshot(registry)
    broken = sales.copy()
    last_month = broken["ds"] > broken["ds"].max() - pd.Timedelta(days=NEW_DAYS)
    half = broken["series_id"].isin(sorted(broken["series_id"].unique())[:2])
    broken.loc[last_month & half, "y"] = 0.0
    assert main(["retrain", "--config", write_config(tmp_path, broken, registry), "--jobs", "2"]) == 10
    assert "REJECTED" in capsys.readouterr().out
    assert snapshot(registry) == before
    (job,) = report_of(registry)["jobs"]
    assert job["status"] == "rejected" and job["version"] is None
    assert any("shifted level" in reason and "2 of 4 series" in reason for reason in job["reasons"])
    assert len(job["per_series"]) == 4 and job["gate"]["fold_periods"] == NEW_DAYS
    assert sorted(job["data_changes"]["level_shift_series"]) == sorted(broken["series_id"].unique())[:2]
    assert registry.retrain_status()["jobs"] == {"forecast": "rejected"}  # the job ran: not stale


def test_a_past_month_restated_as_zeros_fails_the_error_rule(registry, sales, tmp_path):
    before = snapshot(registry)
    restated = sales.copy()
    cutoff = restated["ds"].max() - pd.Timedelta(days=NEW_DAYS)  # the champion's last day
    month = (restated["ds"] > cutoff - pd.Timedelta(days=30)) & (restated["ds"] <= cutoff)
    half = restated["series_id"].isin(sorted(restated["series_id"].unique())[:2])
    restated.loc[month & half, "y"] = 0.0
    assert main(["retrain", "--config", write_config(tmp_path, restated, registry), "--jobs", "2"]) == 10
    assert snapshot(registry) == before
    (job,) = report_of(registry)["jobs"]
    assert any("challenger median MASE" in reason for reason in job["reasons"])
    assert job["gate"]["challenger_median_mase"] > job["gate"]["champion_median_mase"] * 1.05
    assert sorted(job["data_changes"]["restated_series"]) == sorted(sales["series_id"].unique())[:2]


def test_a_killed_run_changes_nothing_and_the_next_run_promotes(registry, sales, tmp_path):
    before = snapshot(registry)
    config = write_config(tmp_path, sales, registry)
    # Its own process group, killed whole as a container runtime would: SIGKILL to the CLI alone
    # would orphan its worker processes (they hold no lock and write nothing visible, but run on).
    run = subprocess.Popen(
        [SENTINEL, "retrain", "--config", config, "--jobs", "2"], stderr=subprocess.DEVNULL, start_new_session=True
    )
    staging = registry.root / "forecast"
    try:  # kill -9 while the challenger is being fitted into its staging version
        wait_until(lambda: any(p.name.startswith(".staging-") for p in staging.iterdir()), 300, "challenger fitting")
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert snapshot(registry) == before
    assert not [p for p in (registry.root / "runs").iterdir() if not p.name.startswith(".")]
    assert registry.retrain_status() is None
    with (registry.root / "retrain.lock").open("a") as fh:  # the OS released the dead run's lock
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fh, fcntl.LOCK_UN)

    assert main(["retrain", "--config", config, "--jobs", "2", "--dry-run"]) == 0
    (job,) = report_of(registry)["jobs"]
    assert job["status"] == "would-promote" and snapshot(registry) == before
    shutil.rmtree(registry.root / "runs")

    assert main(["retrain", "--config", config, "--jobs", "2"]) == 0
    (job,) = report_of(registry)["jobs"]
    assert job["status"] == "promoted" and registry.champion("forecast") == job["version"]
    assert registry.versions("forecast") == sorted([*before[0], job["version"]])
    assert job["gate"]["challenger_median_mase"] <= job["gate"]["champion_median_mase"] * 1.05
    assert not [p for p in staging.iterdir() if p.name.startswith(".")]
    assert registry.retrain_status()["finished_timestamp"] <= time.time()


def test_a_second_run_while_one_holds_the_lock_exits_11(registry, sales, tmp_path, capsys):
    config = write_config(tmp_path, sales, registry)
    with registry.retrain_lock():
        assert main(["retrain", "--config", config]) == 11
    assert "another retrain holds" in capsys.readouterr().err

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


def write_config(tmp_path, data: pd.DataFrame, registry: Registry, **policy) -> str:
    data.to_csv(tmp_path / "sales.csv", index=False)
    config = {
        "registry": str(registry.root),
        "database_url": f"sqlite:///{tmp_path / 'sentinel.db'}",  # the service's; absent unless a test posts
        "sources": {"sales": {"path": "sales*.csv"}},
        "jobs": {"forecast": {"source": "sales", "horizon": 60, "samples": 200, "folds": 2}},
        "policy": {"tolerance": 0.05, "max_level_shift_share": 0.25, **policy},
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
    assert not [p for p in staging.iterdir() if p.name.startswith((".staging-", ".pruned-"))]
    assert registry.retrain_status()["finished_timestamp"] <= time.time()


def test_a_second_run_while_one_holds_the_lock_exits_11(registry, sales, tmp_path, capsys):
    config = write_config(tmp_path, sales, registry)
    with registry.retrain_lock():
        assert main(["retrain", "--config", config]) == 11
    assert "another retrain holds" in capsys.readouterr().err


def post_new_days(registry: Registry, sales: pd.DataFrame, tmp_path) -> dict:
    """Serve the champion on the config's database, post the NEW_DAYS days it never saw as actuals,
    and return GET /v1/monitoring's answer."""
    from fastapi.testclient import TestClient

    from service.app import create_app
    from tests.service.kri_fixtures import WRITE, kri_settings

    settings = kri_settings(
        tmp_path / "service", registry=registry.root, database_url=f"sqlite:///{tmp_path / 'sentinel.db'}"
    )
    new = sales[sales["ds"] > sales["ds"].max() - pd.Timedelta(days=NEW_DAYS)]
    with TestClient(create_app(settings)) as client:
        for ds, day in new.groupby("ds", sort=True):
            rows = [{"series_id": r.series_id, "ds": f"{ds:%Y-%m-%d}", "y": float(r.y)} for r in day.itertuples()]
            assert client.post("/v1/actuals", json={"actuals": rows}, headers=WRITE).status_code == 200
        return client.get("/v1/monitoring").json()


def restated(sales: pd.DataFrame) -> pd.DataFrame:
    """The month before the champion's cutoff restated as zeros for half the series: the usual
    gate's error rule rejects a challenger fitted on it."""
    out = sales.copy()
    cutoff = out["ds"].max() - pd.Timedelta(days=NEW_DAYS)
    month = (out["ds"] > cutoff - pd.Timedelta(days=30)) & (out["ds"] <= cutoff)
    out.loc[month & out["series_id"].isin(sorted(out["series_id"].unique())[:2]), "y"] = 0.0
    return out


def test_a_stale_champion_gives_way_although_the_usual_gate_would_keep_it(registry, sales, tmp_path, capsys):
    before = snapshot(registry)
    live = post_new_days(registry, sales, tmp_path)
    coverage = live["forecast"]["coverage"]["80"]
    force = {"coverage_80_below": min(1.0, round(coverage + 0.05, 2)), "min_periods": 28}
    # half the series restated is within this run's data checks (max_level_shift_share 0.5)
    config = write_config(tmp_path, restated(sales), registry, max_level_shift_share=0.5, force_challenger_when=force)
    assert main(["retrain", "--config", config, "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    (job,) = report_of(registry)["jobs"]
    assert job["status"] == "promoted" and registry.champion("forecast") == job["version"] != before[1]
    assert job["live"]["forecast"] == live["forecast"] and job["live"]["model_version"] == before[1]
    assert f"80% {coverage:.3f}" in out and "live: stale: a challenger that passes the data checks replaces it" in out
    assert any("champion is stale: live 80% coverage" in reason for reason in job["reasons"])
    assert any("overridden by policy.force_challenger_when: challenger median MASE" in r for r in job["reasons"])
    assert job["gate"]["force_challenger"]["error_rule_overridden"] is True


def test_a_fresh_champion_or_an_unsound_extract_leaves_the_usual_gate_in_charge(registry, sales, tmp_path, capsys):
    before = snapshot(registry)
    coverage = post_new_days(registry, sales, tmp_path)["forecast"]["coverage"]["80"]
    fresh = {"coverage_80_below": round(coverage - 0.05, 2), "min_periods": 28}
    config = write_config(tmp_path, restated(sales), registry, max_level_shift_share=0.5, force_challenger_when=fresh)
    assert main(["retrain", "--config", config, "--jobs", "2"]) == 10  # live coverage above the floor
    assert "live: the usual gate decides: no force_challenger_when condition is met" in capsys.readouterr().out
    (job,) = report_of(registry)["jobs"]
    assert (
        any("challenger median MASE" in reason for reason in job["reasons"]) and "force_challenger" not in job["gate"]
    )
    shutil.rmtree(registry.root / "runs")

    stale = {"coverage_80_below": min(1.0, round(coverage + 0.05, 2)), "min_periods": 28}
    config = write_config(tmp_path, restated(sales), registry, force_challenger_when=stale)  # share 0.25
    assert main(["retrain", "--config", config, "--jobs", "2"]) == 10  # stale, but half the series restated
    (job,) = report_of(registry)["jobs"]
    assert any("have restated history, more than policy.max_level_shift_share" in r for r in job["reasons"])
    assert job["gate"]["force_challenger"]["error_rule_overridden"] is False
    assert snapshot(registry) == before

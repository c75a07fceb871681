"""`sentinel retrain` reports the champion's live figures from the service's database (the same as
GET /v1/monitoring for its version), and `policy.force_challenger_when` is checked when read.

The runs here have no new periods (the extract is the champion's own training data), so they end
`nothing-to-do` without a fit; tests/e2e/test_retrain.py runs the forced replacement itself."""

from __future__ import annotations

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from models.errors import InvalidInput
from models.registry import Registry
from service.app import create_app
from tests.service.kri_fixtures import WRITE, kri_settings
from training.cli import main
from training.retrain.config import ForceChallenger, load_retrain_config
from training.retrain.live import stale_reasons

BASE = {"sources": {"sales": {"path": "sales.csv"}}, "jobs": {"forecast": {"source": "sales", "folds": 2}}}


def write(tmp_path, config) -> str:
    path = tmp_path / "retrain.yaml"
    path.write_text(json.dumps(config))
    return str(path)


@pytest.mark.parametrize(
    ("force", "fragment"),
    [
        ({}, ": name at least one condition"),
        ({"min_periods": 10}, ": name at least one condition"),
        ({"coverage_80_below": 70}, r"coverage_80_below: must be a share within 0\.\.1, e\.g\. 0\.7, got 70"),
        ({"coverage_80_below": "low"}, "coverage_80_below: must be int or float"),
        ({"bias_above": -0.2}, "bias_above: must be positive"),
        ({"bias_below": 0.2}, r"bias_below: must be negative .*e\.g\. -0\.2\), got 0\.2"),
        ({"target_brier_above": 1.5}, "target_brier_above: must be within 0..1"),
        ({"coverage_80_below": 0.7, "min_periods": 0}, "min_periods: must be positive"),
        ({"coverage_70_below": 0.5}, "coverage_70_below: unknown field"),
    ],
)
def test_a_bad_force_condition_is_named_with_its_fix(tmp_path, force, fragment):
    with pytest.raises(InvalidInput, match=f"policy.force_challenger_when.*{fragment}"):
        load_retrain_config(write(tmp_path, {**BASE, "policy": {"force_challenger_when": force}}))


def test_force_conditions_parse(tmp_path):
    force = {"coverage_80_below": 0.7, "bias_below": -0.2, "target_brier_above": 0.3, "min_periods": 14}
    config = load_retrain_config(write(tmp_path, {**BASE, "policy": {"force_challenger_when": force}}))
    assert config.policy.force_challenger_when == ForceChallenger(
        coverage_below={80: 0.7}, bias_below=-0.2, target_brier_above=0.3, min_periods=14
    )
    assert load_retrain_config(write(tmp_path, BASE)).policy.force_challenger_when is None


def live(coverage_80: float, bias: float = 0.0, periods: int = 60, brier: float | None = None, resolved: int = 0):
    forecast = {"periods_scored": periods, "series": 4, "coverage": {"50": 0.4, "80": coverage_80, "95": 0.9},
                "bias": bias, "mase": 0.9}  # fmt: skip
    return {"status": "scored", "forecast": forecast, "targets": {"resolved": resolved, "brier": brier}}


def test_a_champion_is_stale_only_past_a_condition_and_with_enough_evidence():
    when = ForceChallenger(coverage_below={80: 0.7}, bias_below=-0.2, target_brier_above=0.3, min_periods=28)
    (reason,) = stale_reasons(live(0.55), when)
    assert "live 80% coverage 0.550 is below policy.force_challenger_when.coverage_80_below 0.7" in reason
    assert "over 60 scored periods" in reason
    assert stale_reasons(live(0.75), when) == []  # above the floor: the usual gate decides
    assert stale_reasons(live(0.55, periods=20), when) == []  # too few periods to judge by
    assert "live bias -0.300 is below" in stale_reasons(live(0.8, bias=-0.3), when)[0]
    assert stale_reasons(live(0.8, brier=0.4, resolved=5), when) == []  # fewer than min_resolved
    assert "target Brier 0.400" in stale_reasons(live(0.8, brier=0.4, resolved=12), when)[0]
    assert stale_reasons({"status": "no-database"}, when) == []
    assert stale_reasons(live(0.1), None) == []


@pytest.fixture
def champion(held_out_registry, small_sales, tmp_path):
    """A private copy of the held-out champion and a config whose extract is its training data."""
    registry, held_out = held_out_registry
    shutil.copytree(registry.root, tmp_path / "registry")
    trained = small_sales[small_sales["ds"] < held_out["ds"].min()][["series_id", "ds", "y"]]
    trained.to_csv(tmp_path / "sales.csv", index=False)
    force = {"coverage_80_below": 0.7, "min_periods": 28}
    config = write(tmp_path, {**BASE, "policy": {"force_challenger_when": force}})
    return Registry(tmp_path / "registry"), held_out, config


def retrain(registry: Registry, config: str, *args: str) -> tuple[str, dict]:
    assert main(["retrain", "--config", config, "--registry", str(registry.root), "--jobs", "2", *args]) == 0
    (run,) = [p for p in (registry.root / "runs").iterdir() if not p.name.startswith(".")]
    (job,) = json.loads((run / "report.json").read_text())["jobs"]
    assert job["status"] == "nothing-to-do"
    text = (run / "summary.txt").read_text()
    shutil.rmtree(run)
    return text, job["live"]


def test_without_a_database_the_report_says_so_and_creates_none(champion, tmp_path):
    registry, _, config = champion
    missing = tmp_path / "nowhere" / "sentinel.db"
    summary, figures = retrain(registry, config, "--database-url", f"sqlite:///{missing}")
    assert f"live: no database at sqlite:///{missing}" in summary
    assert "live: the usual gate decides: no database at" in summary
    assert figures["status"] == "no-database" and not missing.parent.exists()


def test_the_live_figures_equal_the_monitoring_answer_for_the_champion(champion, tmp_path, monkeypatch):
    registry, held_out, config = champion
    version = registry.champion("forecast")
    settings = kri_settings(tmp_path / "service", registry=registry.root)
    url = settings.database_url
    with TestClient(create_app(settings)) as client:  # the service creates its schema; nothing posted yet
        pass
    monkeypatch.setenv("SENTINEL_DATABASE_URL", url)  # read the way the service reads it
    summary, figures = retrain(registry, config)
    assert f"live: no scores of {version}" in summary and figures["status"] == "no-scores"

    with TestClient(create_app(settings)) as client:
        for ds, day in held_out.groupby("ds", sort=True):
            rows = [{"series_id": r.series_id, "ds": ds, "y": float(r.y)} for r in day.itertuples()]
            assert client.post("/v1/actuals", json={"actuals": rows}, headers=WRITE).status_code == 200
        answer = client.get("/v1/monitoring", params={"model_version": version}).json()
    summary, figures = retrain(registry, config)
    assert figures["status"] == "scored" and figures["model_version"] == version
    assert {k: figures[k] for k in ("forecast", "targets", "groups")} == {
        k: answer[k] for k in ("forecast", "targets", "groups")
    }
    coverage = answer["forecast"]["coverage"]["80"]
    assert f"80% {coverage:.3f}" in summary and f"{answer['forecast']['periods_scored']} actuals of 4 series" in summary
    verdict = "stale: a challenger" if coverage < 0.7 else "the usual gate decides"
    assert f"live: {verdict}" in summary

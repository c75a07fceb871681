"""Helpers for the KRI service tests: an app on a private SQLite file with a small KRI set."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.app import create_app
from service.settings import Settings

KRI_YAML = """
kris:
  - name: returns_rate
    source: observed
    direction: above
    warning: 0.08
    critical: 0.12
    clear: {margin: 0.01}
    labels: {team: ops}
    runbook_url: https://runbooks.example.com/returns_rate
  - name: target_attainment
    source: target_attainment
    direction: below
    warning: 0.5
    critical: 0.3
  - name: revenue_at_risk_ratio
    source: revenue_at_risk_ratio
    direction: above
    critical: 0.2
"""
WRITE = {"X-API-Key": "w-key"}
READ = {"X-API-Key": "r-key"}


def kri_settings(tmp_path: Path, **overrides) -> Settings:
    config = tmp_path / "kri.yaml"
    tmp_path.mkdir(parents=True, exist_ok=True)
    if not config.exists():
        config.write_text(KRI_YAML)
    values = {
        "registry": tmp_path / "registry",
        "reload_interval_seconds": 0,
        "database_url": f"sqlite:///{tmp_path / 'sentinel.db'}",
        "kri_config": config,
        "kri_eval_interval_seconds": 0.2,
        "delivery_interval_seconds": 0.1,
        "api_keys": SecretStr("w-key:write,r-key:read,a-key:admin"),
        **overrides,
    }
    return Settings(**values)


def kri_client(tmp_path: Path, **overrides) -> TestClient:
    return TestClient(create_app(kri_settings(tmp_path, **overrides)))


def push(client: TestClient, value: float, ts: dt.datetime | None = None, kri: str = "returns_rate", **labels):
    ts = ts or dt.datetime.now(dt.UTC)
    item = {"kri": kri, "value": value, "ts": ts.isoformat(), "labels": labels}
    return client.post("/v1/kri/observations", json={"observations": [item]}, headers=WRITE)


def wait_for(predicate, timeout: float = 10.0):
    """Poll until ``predicate()`` returns something truthy (the evaluation loop runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def kri_view(client: TestClient, name: str) -> dict:
    return client.get("/v1/kri", params={"name": name}).json()["kris"][0]

"""A new champion goes live only when it loads cleanly; a tampered one leaves the old serving."""

import json
import shutil

import numpy as np

from models.registry import MANIFEST
from tests.service.conftest import client_for


def clone_version(registry, version: str, new: str) -> None:
    """Publish a copy of ``version`` under a new id (same bytes, so the checksums still hold)."""
    base = registry.root / "forecast"
    shutil.copytree(base / version, base / new)
    manifest = json.loads((base / new / MANIFEST).read_text())
    (base / new / MANIFEST).write_text(json.dumps({**manifest, "version": new}))


def test_new_champion_is_picked_up_on_reload(registry_copy):
    old = registry_copy.champion("forecast")
    with client_for(registry_copy.root) as c:
        clone_version(registry_copy, old, "29990101T000000Z-new000")
        registry_copy.promote("forecast", "29990101T000000Z-new000")
        assert c.app.state.services.models.reload() is True
        body = c.post(
            "/v1/feasibility", json={"series_id": "store-01", "start": "2027-01-01", "end": "2027-01-02", "target": 1}
        )
        assert body.json()["model_version"] == "29990101T000000Z-new000"


def test_tampered_new_champion_is_refused_and_the_old_keeps_serving(registry_copy):
    old = registry_copy.champion("forecast")
    with client_for(registry_copy.root) as c:
        clone_version(registry_copy, old, "29990101T000000Z-bad000")
        registry_copy.promote("forecast", "29990101T000000Z-bad000")
        paths = registry_copy.root / "forecast" / "29990101T000000Z-bad000" / "cum_paths.npy"
        data = np.load(paths)
        data[0] *= 10  # someone edits the forecasts after training
        np.save(paths, data)
        assert c.app.state.services.models.reload() is False
        assert c.get("/readyz").json()["forecast_version"] == old
        assert c.get("/v1/series").json()["series"][0]["model_version"] == old
        assert 'sentinel_model_reload_failures_total{model="forecast"} 1.0' in c.get("/metrics").text


def test_service_starting_on_a_tampered_champion_is_not_ready(registry_copy):
    version = registry_copy.champion("forecast")
    (registry_copy.root / "forecast" / version / "series.json").write_text("[]")
    with client_for(registry_copy.root) as c:
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "SHA-256" in ready.json()["detail"]

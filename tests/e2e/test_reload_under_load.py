"""Hot reload under load: concurrent feasibility requests see no error while champions change."""

from __future__ import annotations

import shutil
import threading

import httpx
import numpy as np
import pytest
import uvicorn

from models.registry import Registry
from service.app import create_app
from service.settings import Settings
from tests.e2e.conftest import free_port, wait_until
from tests.service.test_reload import clone_version

pytestmark = pytest.mark.e2e
ADMIN = {"X-API-Key": "ops-secret"}
REQUEST = {"series_id": "store-01", "start": "2027-01-01", "end": "2027-01-31", "target": 1000}


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz").status_code == 200
    except httpx.TransportError:  # not listening yet
        return False


@pytest.fixture
def live(trained_registry, tmp_path):
    """The app under uvicorn on a free loopback port, over a private copy of the registry."""
    shutil.copytree(trained_registry.root, tmp_path / "registry")
    settings = Settings(
        registry=tmp_path / "registry",
        reload_interval_seconds=0,  # only POST /admin/reload switches models here
        database_url=f"sqlite:///{tmp_path / 'sentinel.db'}",
        api_keys="ops-secret:admin",
    )
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _ready(url), what="the service to be ready")
    yield url, Registry(tmp_path / "registry")
    server.should_exit = True
    thread.join(timeout=10)


class Hammer:
    """Threads posting feasibility requests (and asking /readyz) until stopped; records what they saw."""

    def __init__(self, url: str, threads: int = 4) -> None:
        self.url, self.stop = url, threading.Event()
        self.statuses: list[int] = []
        self.versions: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            while not self.stop.is_set():
                ready = client.get("/readyz")
                r = client.post("/v1/feasibility", json=REQUEST)
                with self.lock:
                    self.statuses.append(ready.status_code)
                    self.statuses.append(r.status_code)
                    if r.status_code == 200:
                        self.versions.append(r.json()["model_version"])

    def __enter__(self) -> Hammer:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join()


def _reload(url: str) -> dict:
    r = httpx.post(f"{url}/admin/reload", headers=ADMIN, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_champion_switch_under_load_drops_no_request_and_a_corrupt_one_is_refused(live):
    url, registry = live
    old = registry.champion("forecast")
    assert httpx.post(f"{url}/admin/reload").status_code == 401
    with Hammer(url) as hammer:
        wait_until(lambda: len(hammer.statuses) > 20, what="requests before the switch")
        clone_version(registry, old, "29990101T000000Z-new000")
        registry.promote("forecast", "29990101T000000Z-new000")
        body = _reload(url)
        assert body == {"changed": True, "versions": {"forecast": "29990101T000000Z-new000"}, "error": None}
        seen = len(hammer.statuses)
        wait_until(lambda: len(hammer.statuses) > seen + 20, what="requests after the switch")

        clone_version(registry, old, "29990101T000000Z-bad000")
        registry.promote("forecast", "29990101T000000Z-bad000")
        paths = registry.root / "forecast" / "29990101T000000Z-bad000" / "cum_paths.npy"
        np.save(paths, np.load(paths) * 10)  # edited after promotion: the checksum no longer holds
        body = _reload(url)
        assert body["changed"] is False and body["versions"] == {"forecast": "29990101T000000Z-new000"}
        assert "SHA-256" in body["error"]
        seen = len(hammer.statuses)
        wait_until(lambda: len(hammer.statuses) > seen + 20, what="requests after the refused load")

    assert set(hammer.statuses) == {200}, f"{len([s for s in hammer.statuses if s != 200])} failed requests"
    assert hammer.versions[0] == old and hammer.versions[-1] == "29990101T000000Z-new000"
    assert httpx.get(f"{url}/readyz").json()["forecast_version"] == "29990101T000000Z-new000"
    metrics = httpx.get(f"{url}/metrics").text
    assert 'sentinel_model_reload_failures_total{model="forecast"} 1.0' in metrics
    assert "sentinel_last_retrain_success_timestamp_seconds 0.0" in metrics

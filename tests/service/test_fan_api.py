"""What the web app's charts and overview read: fan charts (``POST /v1/fan``) and ``GET /v1/models``."""

import datetime as dt

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import client_for

WRITE = {"X-API-Key": "fan-write"}
READ = {"X-API-Key": "fan-read"}


def _client(registry_root, db, **overrides) -> TestClient:
    return client_for(registry_root, db, api_keys="fan-write:write,fan-read:read", **overrides)


@pytest.fixture(scope="module")
def client(trained_registry, tmp_path_factory):
    db = tmp_path_factory.mktemp("fan-db") / "sentinel.db"
    with _client(trained_registry.root, db) as c:
        yield c


def _fan(client, **body):
    response = client.post("/v1/fan", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_series_fan_has_history_then_a_forecast_with_nested_bands(client):
    fan = _fan(client, series_id="store-01", history_periods=30)
    assert (fan["series_id"], fan["group"], fan["series_count"], fan["freq"]) == ("store-01", None, 1, "D")
    assert fan["model_version"] == client.get("/v1/series").json()["series"][0]["model_version"]
    history, forecast = fan["history"], fan["forecast"]
    assert len(history) == 30 and history[-1]["ds"] == "2026-10-31" and all(p["y"] > 0 for p in history)
    assert len(forecast) == 120 and forecast[0]["ds"] == "2026-11-01"
    days = [dt.date.fromisoformat(p["ds"]) for p in history + forecast]
    assert all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False))  # one period each, no gap
    for point in forecast:
        b = point["bands"]
        assert b["95"]["lower"] <= b["80"]["lower"] <= b["50"]["lower"] <= point["p50"]
        assert point["p50"] <= b["50"]["upper"] <= b["80"]["upper"] <= b["95"]["upper"]
        assert b["95"]["lower"] <= point["mean"] <= b["95"]["upper"]
    widths = {
        level: np.mean([p["bands"][level]["upper"] - p["bands"][level]["lower"] for p in forecast]) for level in b
    }
    assert widths["95"] > widths["80"] > widths["50"] > 0


def test_a_series_fan_agrees_with_its_forecast_interval(client):
    fan = _fan(client, series_id="store-02")
    points = client.get("/v1/forecast/store-02", params={"level": 80}).json()["points"]
    assert [p["ds"] for p in fan["forecast"]] == [p["ds"] for p in points]
    lower = [p["bands"]["80"]["lower"] for p in fan["forecast"]]
    assert lower == pytest.approx([p["lower"] for p in points], rel=1e-4)


def test_history_periods_sets_the_history_shown(client):
    assert len(_fan(client, series_id="store-01")["history"]) == 120  # the default
    assert _fan(client, series_id="store-01", history_periods=0)["history"] == []
    everything = _fan(client, series_id="store-01", history_periods=100_000)["history"]
    series = client.get("/v1/series/store-01").json()
    assert (everything[0]["ds"], everything[-1]["ds"]) == (series["history_start"], series["history_end"])


def test_a_group_fan_sums_its_members_date_by_date(client):
    members = [_fan(client, series_id=sid, history_periods=14) for sid in ("store-01", "store-04")]
    street = _fan(client, group={"store_format": "street"}, history_periods=14)
    assert street["series_count"] == 2 and street["group"] == {"store_format": "street"} and street["series_id"] is None
    for k, point in enumerate(street["forecast"]):
        assert point["ds"] == members[0]["forecast"][k]["ds"] == members[1]["forecast"][k]["ds"]
        assert point["mean"] == pytest.approx(sum(m["forecast"][k]["mean"] for m in members), rel=1e-5)
    assert [p["y"] for p in street["history"]] == pytest.approx(
        [a["y"] + b["y"] for a, b in zip(members[0]["history"], members[1]["history"], strict=True)]
    )

    # The band of a sum is not the sum of the bands: shocks that do not move together partly cancel.
    def width(fan):
        band = fan["forecast"][-1]["bands"]["80"]
        return band["upper"] - band["lower"]

    assert width(street) <= sum(width(m) for m in members) * (1 + 1e-6)


def test_the_total_fan_covers_every_series(client):
    total = _fan(client, total=True)
    assert total["series_count"] == 4 and total["group"] == {}
    assert _fan(client, group={})["forecast"] == total["forecast"]
    first_day = sum(_fan(client, series_id=f"store-0{i}")["forecast"][0]["mean"] for i in range(1, 5))
    assert total["forecast"][0]["mean"] == pytest.approx(first_day, rel=1e-5)


def test_posted_actuals_appear_after_the_history_with_how_many_members_posted(client):
    before = _fan(client, series_id="store-04")["forecast"]
    posted = [
        {"series_id": "store-01", "ds": "2026-11-01", "y": 1000.0},
        {"series_id": "store-04", "ds": "2026-11-01", "y": 500.0},
        {"series_id": "store-04", "ds": "2026-11-02", "y": 250.0},
    ]
    assert client.post("/v1/actuals", json={"actuals": posted}, headers=WRITE).status_code == 200
    street = _fan(client, group={"store_format": "street"})
    assert street["actuals"] == [
        {"ds": "2026-11-01", "y": 1500.0, "series": 2},
        {"ds": "2026-11-02", "y": 250.0, "series": 1},
    ]
    assert _fan(client, series_id="store-04")["actuals"] == [
        {"ds": "2026-11-01", "y": 500.0, "series": 1},
        {"ds": "2026-11-02", "y": 250.0, "series": 1},
    ]
    assert _fan(client, series_id="store-02")["actuals"] == []
    # The fan draws the paths as trained: posting actuals leaves its forecast as it was.
    assert _fan(client, series_id="store-04")["forecast"] == before


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"series_id": "store-99"}, 404, "unknown series 'store-99'"),
        ({"group": {"region": "Mars"}}, 404, "available: East, North, South, West"),
        ({"group": {"channel": "web"}}, 404, "group columns: region, store_format"),
        ({}, 422, "name exactly one of series_id, group or total"),
        ({"series_id": "store-01", "total": True}, 422, "exactly one"),
        ({"series_id": "store-01", "history_periods": -1}, 422, "history_periods"),
        ({"series_id": "store-01", "period": "2027-Q1"}, 422, "period"),
    ],
)
def test_fan_bad_inputs(client, body, status, fragment):
    response = client.post("/v1/fan", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"] and fragment in response.json()["detail"]


def test_models_lists_what_is_served(client):
    body = client.get("/v1/models").json()
    forecast = body["forecast"]
    series = client.get("/v1/series").json()["series"]
    assert forecast["version"] == series[0]["model_version"] and forecast["series"] == len(series) == 4
    assert (forecast["horizon"], forecast["freq"]) == (120, "D")
    assert dt.datetime.fromisoformat(forecast["trained_at"]) <= dt.datetime.now(dt.UTC)
    assert body["churn"] is None and body["last_retrain"] is None


def test_models_shows_churn_and_the_last_retrain(trained_registry, churn_registry, tmp_path):
    import shutil

    from models.registry import Registry

    root = tmp_path / "registry"
    shutil.copytree(trained_registry.root / "forecast", root / "forecast")
    shutil.copytree(churn_registry.root / "churn", root / "churn")
    Registry(root).write_retrain_status({"run_id": "r-1", "jobs": {"forecast": "promoted"}})
    with _client(root, tmp_path / "sentinel.db") as c:
        body = c.get("/v1/models").json()
    assert body["churn"]["version"] == churn_registry.champion("churn") and body["churn"]["customers"] == 2000
    assert body["last_retrain"]["run_id"] == "r-1" and body["last_retrain"]["jobs"] == {"forecast": "promoted"}
    assert body["last_retrain"]["finished_at"]


def test_reads_need_a_key_when_configured(trained_registry, tmp_path):
    with _client(trained_registry.root, tmp_path / "sentinel.db", require_auth_for_reads=True) as c:
        for method, path, body in (
            ("POST", "/v1/fan", {"series_id": "store-01"}),
            ("POST", "/v1/feasibility/curve", {"series_id": "store-01", "period": "2027-01"}),
            ("GET", "/v1/models", None),
        ):
            assert c.request(method, path, json=body).status_code == 401, path
            assert c.request(method, path, json=body, headers=READ).status_code == 200, path

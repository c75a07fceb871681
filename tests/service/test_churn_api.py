"""The churn endpoints through the ASGI app: scores, summary, every bad input, metrics, reloads."""

import json
import shutil

import pytest

from models.churn.artifact import PIPELINE
from models.registry import MANIFEST, Registry
from tests.service.conftest import client_for
from training.jobs.sample import make_customers


@pytest.fixture(scope="module")
def churn_client(churn_registry):
    with client_for(churn_registry.root) as c:
        yield c


def customers(n: int = 3) -> list[dict]:
    return make_customers(seed=5, n=n).drop(columns=["churned"]).to_dict("records")


def test_scores_come_with_bands_and_drivers(churn_client, churn_model):
    body = churn_client.post("/v1/churn/score", json={"customers": customers(50)})
    assert body.status_code == 200
    out = body.json()
    assert out["model_version"] == churn_model.version and out["warnings"] == []
    assert [s["customer_id"] for s in out["scores"]] == [c["customer_id"] for c in customers(50)]
    first = out["scores"][0]
    assert 0 <= first["probability"] <= 1 and first["risk_band"] in {"low", "medium", "high"}
    assert 1 <= len(first["drivers"]) <= 3
    assert set(first["drivers"][0]) == {"feature", "value", "effect", "direction"}


def test_unknown_fields_are_ignored_and_missing_ones_imputed_with_warnings(churn_client):
    batch = customers(2)
    batch[0]["favourite_colour"] = "teal"
    del batch[1]["tenure_months"]
    out = churn_client.post("/v1/churn/score", json={"customers": batch}).json()
    assert len(out["scores"]) == 2
    assert any("favourite_colour" in w for w in out["warnings"])
    assert any("'tenure_months' missing for 1 customer(s)" in w for w in out["warnings"])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"tenure_months": "a long time"}, "field 'tenure_months' must be a number"),
        ({"online_account": "sometimes"}, "field 'online_account' must be true/false"),
        ({"contract": ["one-year"]}, "field 'contract' must be a string"),
    ],
)
def test_wrong_types_are_422_naming_customer_and_field(churn_client, change, expected):
    batch = customers(3)
    batch[2].update(change)
    r = churn_client.post("/v1/churn/score", json={"customers": batch})
    assert r.status_code == 422 and r.json()["error"] == "invalid_input"
    assert f"customer '{batch[2]['customer_id']}'" in r.json()["detail"] and expected in r.json()["detail"]


def test_malformed_and_oversized_requests_are_422(churn_client):
    assert churn_client.post("/v1/churn/score", json={"customers": []}).status_code == 422
    assert churn_client.post("/v1/churn/score", json={"people": customers(1)}).status_code == 422
    too_many = [{"customer_id": str(i)} for i in range(10_001)]
    r = churn_client.post("/v1/churn/score", json={"customers": too_many})
    assert r.status_code == 422 and "customers" in r.json()["detail"]
    r = churn_client.post("/v1/churn/score", json={"customers": [{"tenure_months": 3}]})
    assert r.status_code == 422 and "customer_id" in r.json()["detail"]


def test_summary_gives_revenue_at_risk_by_segment_and_band(churn_client):
    out = churn_client.get("/v1/churn/summary").json()
    assert out["customers"] == 2000 and out["segment_column"] == "region"
    assert out["revenue_at_risk"] > 0 and sum(out["risk_bands"].values()) == 2000
    assert {s["segment"] for s in out["by_segment"]} == {"North", "South", "East", "West"}


def test_metrics_expose_revenue_at_risk_and_mean_probability(churn_client):
    summary = churn_client.get("/v1/churn/summary").json()
    text = churn_client.get("/metrics").text
    assert f"sentinel_churn_revenue_at_risk {summary['revenue_at_risk']}" in text
    assert f"sentinel_churn_mean_probability_ratio {summary['mean_probability']}" in text
    assert 'sentinel_model_info{model="churn"' in text


def test_segment_setting_overrides_the_trained_segment(churn_registry):
    from fastapi.testclient import TestClient

    from service.app import create_app
    from service.settings import Settings

    settings = Settings(registry=churn_registry.root, reload_interval_seconds=0, churn_segment="contract")
    with TestClient(create_app(settings)) as c:
        out = c.get("/v1/churn/summary").json()
    assert out["segment_column"] == "contract" and len(out["by_segment"]) == 3


def test_without_a_churn_model_the_service_is_ready_and_churn_says_how_to_train(client):
    assert client.get("/readyz").status_code == 200
    for r in (client.get("/v1/churn/summary"), client.post("/v1/churn/score", json={"customers": customers(1)})):
        assert r.status_code == 503 and r.json()["error"] == "not_ready"
        assert "sentinel train churn" in r.json()["detail"]


def test_a_tampered_churn_champion_is_refused_and_the_old_keeps_serving(churn_registry, tmp_path):
    shutil.copytree(churn_registry.root, tmp_path / "registry")
    registry = Registry(tmp_path / "registry")
    old = registry.champion("churn")
    base = registry.root / "churn"
    with client_for(registry.root) as c:
        new = "29990101T000000Z-bad000"
        shutil.copytree(base / old, base / new)
        manifest = json.loads((base / new / MANIFEST).read_text())
        (base / new / MANIFEST).write_text(json.dumps({**manifest, "version": new}))
        registry.promote("churn", new)
        (base / new / PIPELINE).write_bytes((base / new / PIPELINE).read_bytes()[:-10])  # edited after promotion
        assert c.app.state.services.models.reload() is False
        out = c.post("/v1/churn/score", json={"customers": customers(1)}).json()
        assert out["model_version"] == old
        assert 'sentinel_model_reload_failures_total{model="churn"} 1.0' in c.get("/metrics").text

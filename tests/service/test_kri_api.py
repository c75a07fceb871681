"""The KRI API as a user sees it: push observations, read KRIs and alerts, metrics, auth, restarts."""

import datetime as dt

import pytest

from models.errors import InvalidInput
from service.app import create_app
from tests.service.kri_fixtures import READ, WRITE, kri_client, kri_settings, kri_view, push, wait_for


@pytest.fixture
def client(tmp_path):
    with kri_client(tmp_path) as c:
        yield c


def test_writing_needs_a_write_key(client):
    body = {"observations": [{"kri": "returns_rate", "value": 0.01, "ts": "2026-11-22T10:00:00Z"}]}
    missing = client.post("/v1/kri/observations", json=body)
    assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"
    unknown = client.post("/v1/kri/observations", json=body, headers={"X-API-Key": "guess"})
    assert unknown.status_code == 401
    read_only = client.post("/v1/kri/observations", json=body, headers=READ)
    assert read_only.status_code == 403 and "needs 'write'" in read_only.json()["detail"]
    assert client.post("/v1/kri/observations", json=body, headers=WRITE).status_code == 200
    assert client.post("/v1/kri/observations", json=body, headers={"X-API-Key": "a-key"}).status_code == 200


def test_reads_are_open_unless_configured_otherwise(client, tmp_path):
    assert client.get("/v1/kri").status_code == 200 and client.get("/v1/alerts").status_code == 200
    with kri_client(tmp_path / "locked", require_auth_for_reads=True) as locked:
        assert locked.get("/v1/kri").status_code == 401
        assert locked.get("/v1/alerts", headers=READ).status_code == 200


def test_observations_are_idempotent_per_kri_labels_and_ts(client):
    ts = dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC)
    assert push(client, 0.01, ts, region="west").json() == {"accepted": 1, "stored": 1, "duplicates": 0}
    assert push(client, 0.01, ts, region="west").json() == {"accepted": 1, "stored": 0, "duplicates": 1}
    assert push(client, 0.01, ts, region="east").json()["stored"] == 1


def test_a_rejected_batch_names_the_item_and_stores_nothing(client):
    good = {"kri": "returns_rate", "value": 0.5, "ts": "2026-11-22T10:00:00Z"}
    future = {"kri": "returns_rate", "value": 0.5, "ts": "2099-01-01T00:00:00Z"}
    for bad, expected in [
        ({"kri": "nope", "value": 1, "ts": "2026-11-22T10:00:00Z"}, "observations[1] (kri 'nope'): unknown KRI"),
        (future, "observations[1] (kri 'returns_rate'): ts 2099-01-01"),
        ({"kri": "target_attainment", "value": 1, "ts": "2026-11-22T10:00:00Z"}, "the service computes it"),
    ]:
        response = client.post("/v1/kri/observations", json={"observations": [good, bad]}, headers=WRITE)
        assert response.status_code == 422 and expected in response.json()["detail"]
    nan = client.post(
        "/v1/kri/observations",
        content='{"observations": [{"kri": "returns_rate", "value": 0.5, "ts": "2026-11-22T10:00:00Z"},'
        ' {"kri": "returns_rate", "value": NaN, "ts": "2026-11-22T10:00:00Z"}]}',
        headers={**WRITE, "Content-Type": "application/json"},
    )
    assert nan.status_code == 422 and "observations[1] (kri 'returns_rate'): value must be a finite" in nan.text
    missing = client.post("/v1/kri/observations", json={"observations": [{"kri": "returns_rate"}]}, headers=WRITE)
    assert missing.status_code == 422 and "observations.0.value" in missing.json()["detail"]
    client.app.state.services.kri_engine.evaluate()
    assert kri_view(client, "returns_rate")["values"] == []  # the good items were not stored either


def test_a_critical_observation_raises_an_alert_and_a_lower_one_resolves_it(client):
    assert push(client, 0.2).status_code == 200
    alerts = wait_for(lambda: client.get("/v1/alerts").json())
    (alert,) = alerts
    assert alert["labels"] == {"alertname": "KRIBreach", "kri": "returns_rate", "severity": "critical", "team": "ops"}
    assert alert["status"]["state"] == "active" and len(alert["fingerprint"]) == 16
    assert alert["annotations"]["runbook_url"] == "https://runbooks.example.com/returns_rate"
    assert alert["generatorURL"].endswith("/v1/kri?name=returns_rate")
    view = kri_view(client, "returns_rate")
    assert view["state"] == "firing" and view["severity"] == "critical" and view["values"][0]["value"] == 0.2
    assert view["thresholds"] == {"warning": 0.08, "critical": 0.12} and view["since"]
    metrics = client.get("/metrics").text
    assert 'sentinel_kri_value{kri="returns_rate"} 0.2' in metrics
    assert 'sentinel_kri_threshold{kri="returns_rate",severity="critical"} 0.12' in metrics
    assert 'sentinel_kri_alert_state{kri="returns_rate"} 3.0' in metrics

    push(client, 0.01, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert wait_for(lambda: client.get("/v1/alerts").json() == [])
    assert kri_view(client, "returns_rate")["state"] == "resolved"
    assert 'sentinel_kri_alert_state{kri="returns_rate"} 0.0' in client.get("/metrics").text


def test_each_kri_shows_its_thresholds_and_when_it_fires_and_clears(client):
    returns = kri_view(client, "returns_rate")
    assert (returns["warning"], returns["critical"], returns["direction"]) == (0.08, 0.12, "above")
    assert returns["for"] == {"seconds": 0.0, "evaluations": 0}
    assert returns["clear"] == {"margin": 0.01, "keep_firing_for": 0.0}
    at_risk = kri_view(client, "revenue_at_risk_ratio")
    assert (at_risk["warning"], at_risk["critical"]) == (None, 0.2)


def test_label_sets_are_tracked_separately(client):
    push(client, 0.2, region="west")
    push(client, 0.01, region="east")
    alerts = wait_for(lambda: client.get("/v1/alerts").json())
    assert [a["labels"]["region"] for a in alerts] == ["west"]
    view = wait_for(lambda: (v := kri_view(client, "returns_rate")) and len(v["values"]) == 2 and v)
    assert {v["labels"]["region"]: v["state"] for v in view["values"]} == {"east": "ok", "west": "firing"}


def test_model_derived_kris_without_their_inputs_show_no_data_with_the_reason(client):
    wait_for(lambda: kri_view(client, "target_attainment")["no_data_reason"] != "not evaluated yet")
    target = kri_view(client, "target_attainment")
    assert target["state"] == "no_data" and "no registered targets" in target["no_data_reason"]
    churn = kri_view(client, "revenue_at_risk_ratio")
    assert churn["state"] == "no_data" and churn["no_data_reason"].startswith("no churn model loaded")
    assert 'sentinel_kri_value{kri="target_attainment"}' not in client.get("/metrics").text


def test_unknown_kri_name_is_404(client):
    response = client.get("/v1/kri", params={"name": "nope"})
    assert response.status_code == 404 and "unknown KRI 'nope'" in response.json()["detail"]


def test_a_restart_neither_forgets_a_firing_alert_nor_fires_it_anew(tmp_path):
    hook = {"webhook_urls": "http://127.0.0.1:9/hook", "delivery_backoff_base_seconds": 3600}
    with kri_client(tmp_path, **hook) as first:
        push(first, 0.2)
        (before,) = wait_for(lambda: first.get("/v1/alerts").json())
        queued = first.app.state.services.kri_store.outbox()
    assert [(r.receiver, r.status) for r in queued] == [("http://127.0.0.1:9/hook", "firing")]
    with kri_client(tmp_path, **hook) as second:
        second.app.state.services.kri_engine.evaluate()
        (after,) = second.get("/v1/alerts").json()
        assert after["startsAt"] == before["startsAt"] and after["fingerprint"] == before["fingerprint"]
        assert [r.id for r in second.app.state.services.kri_store.outbox()] == [r.id for r in queued]  # nothing new


def test_an_invalid_kri_config_stops_start_up_naming_kri_and_field(tmp_path):
    (tmp_path / "kri.yaml").write_text("kris:\n  - {name: r, source: observed, direction: sideways, critical: 1}\n")
    with pytest.raises(InvalidInput, match="kri 'r' field 'direction'"):
        create_app(kri_settings(tmp_path))


def test_an_invalid_api_key_setting_stops_start_up(tmp_path):
    from pydantic import SecretStr

    with pytest.raises(InvalidInput, match="KEY:ROLE"):
        create_app(kri_settings(tmp_path, api_keys=SecretStr("justakey")))

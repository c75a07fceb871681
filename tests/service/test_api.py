"""The public API through the ASGI app, on a registry trained with real Prophet fits."""

import json
import re

import pandas as pd
import pytest

from tests.service.conftest import client_for


def test_not_ready_without_a_champion(tmp_path):
    with client_for(tmp_path) as c:
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz")
        assert ready.status_code == 503 and "sentinel train forecast" in ready.json()["detail"]
        body = c.get("/v1/series")
        assert body.status_code == 503 and body.json()["error"] == "not_ready"


def test_ready_and_series_listed(client, trained_registry):
    version = trained_registry.champion("forecast")
    assert client.get("/readyz").json() == {"status": "ready", "forecast_version": version}
    series = client.get("/v1/series").json()["series"]
    assert [s["series_id"] for s in series] == ["store-01", "store-02", "store-03", "store-04"]
    first = series[0]
    assert first["freq"] == "D" and first["model_version"] == version and first["model"] in ("prophet", "prophet+ets")
    assert (first["history_start"], first["history_end"], first["horizon_end"]) == (
        "2023-10-01",
        "2026-10-31",
        "2027-02-28",
    )


def test_forecast_points_with_requested_interval(client):
    body = client.get("/v1/forecast/store-01", params={"horizon": 14, "level": 95}).json()
    assert body["level"] == 95 and body["freq"] == "D" and len(body["points"]) == 14
    assert body["points"][0]["ds"] == "2026-11-01"
    for p in body["points"]:
        assert 0 <= p["lower"] <= p["upper"]
    narrow = client.get("/v1/forecast/store-01", params={"horizon": 14, "level": 50}).json()["points"][0]
    assert body["points"][0]["lower"] <= narrow["lower"] <= narrow["upper"] <= body["points"][0]["upper"]


def test_feasibility_is_read_off_the_distribution_of_the_period_total(client):
    request = {"series_id": "store-02", "start": "2027-01-01", "end": "2027-01-31"}
    base = client.post("/v1/feasibility", json={**request, "target": 1}).json()
    assert base["probability"] == 1.0 and base["verdict"] == "likely"
    assert base["p10"] <= base["p50"] <= base["p90"] and base["actual_to_date"] == 0
    at_median = client.post("/v1/feasibility", json={**request, "target": base["p50"]}).json()
    # At least half of the totals lie at or above their median (ties from pooled paths add a little).
    assert 0.5 <= at_median["probability"] <= 0.6 and at_median["verdict"] == "stretch"
    above = client.post("/v1/feasibility", json={**request, "target": base["p90"] * 1.5}).json()
    assert above["probability"] == 0.0 and above["verdict"] == "unlikely"
    assert above["gap"] == pytest.approx(above["target"] - above["expected"])


def test_recorded_history_counts_the_actual_values(client, small_sales):
    actual = small_sales.query("series_id == 'store-03' and '2026-10-01' <= ds <= '2026-10-31'")["y"].sum()
    past = {"series_id": "store-03", "start": "2026-10-01", "end": "2026-10-31"}
    body = client.post("/v1/feasibility", json={**past, "target": actual}).json()
    assert body["expected"] == pytest.approx(actual) and body["actual_to_date"] == pytest.approx(actual)
    assert body["probability"] == 1.0 and body["p10"] == pytest.approx(body["p90"])
    straddling = client.post(
        "/v1/feasibility", json={"series_id": "store-03", "start": "2026-10-01", "end": "2026-11-30", "target": actual}
    ).json()
    assert straddling["actual_to_date"] == pytest.approx(actual)
    assert straddling["p10"] > actual  # November adds its forecast on top


@pytest.mark.parametrize(
    ("body", "status", "error", "fragment"),
    [
        ({"series_id": "nope", "start": "2027-01-01", "end": "2027-01-31", "target": 5}, 404, "not_found", "'nope'"),
        (
            {"series_id": "store-01", "start": "2027-01-01", "end": "2028-01-31", "target": 5},
            422,
            "out_of_range",
            "2023-10-01..2027-02-28",
        ),
        (
            {"series_id": "store-01", "start": "2020-01-01", "end": "2024-01-31", "target": 5},
            422,
            "out_of_range",
            "history + forecast horizon",
        ),
        (
            {"series_id": "store-01", "start": "2027-01-31", "end": "2027-01-01", "target": 5},
            422,
            "invalid_request",
            "before start",
        ),
        (
            {"series_id": "store-01", "start": "2027-01-01", "end": "2027-01-31", "target": -5},
            422,
            "invalid_request",
            "target",
        ),
        (
            {"series_id": "store-01", "start": "2027-01-01", "end": "2027-01-31", "target": 0},
            422,
            "invalid_request",
            "greater than 0",
        ),
        (
            {"series_id": "store-01", "start": "01/02/2027", "end": "2027-01-31", "target": 5},
            422,
            "invalid_request",
            "start",
        ),
        (
            {"series_id": "store-01", "start": "2027-01-01", "end": "2027-01-31"},
            422,
            "invalid_request",
            "target: Field required",
        ),
        (
            {"series_id": "store-01", "start": "2027-01-01", "end": "2027-01-31", "target": 5, "x": 1},
            422,
            "invalid_request",
            "x",
        ),
    ],
)
def test_feasibility_errors_name_the_problem(client, body, status, error, fragment):
    response = client.post("/v1/feasibility", json=body)
    assert response.status_code == status
    assert response.json()["error"] == error and fragment in response.json()["detail"]


def test_malformed_json_is_a_clear_422(client):
    response = client.post("/v1/feasibility", content=b'{"series_id": ', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"
    assert "JSON" in response.json()["detail"]


def test_forecast_errors(client):
    assert client.get("/v1/forecast/nope").status_code == 404
    too_far = client.get("/v1/forecast/store-01", params={"horizon": 500})
    assert too_far.status_code == 422 and "between 1 and 120" in too_far.json()["detail"]
    assert client.get("/v1/forecast/store-01", params={"level": 100}).json()["error"] == "invalid_request"


def test_unknown_route_is_json_not_html(client):
    response = client.get("/v2/nothing")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def test_metrics_expose_requests_by_route_template_and_the_model(client, trained_registry):
    client.get("/v1/forecast/store-04", params={"horizon": 3})
    text = client.get("/metrics").text
    assert 'sentinel_http_requests_total{method="GET",route="/v1/forecast/{series_id}",status="200"}' in text
    assert 'route="/v1/forecast/store-04"' not in text
    assert "sentinel_http_request_duration_seconds_bucket" in text
    assert f'sentinel_model_info{{model="forecast",version="{trained_registry.champion("forecast")}"}} 1.0' in text
    trained = float(
        next(
            line.split()[-1]
            for line in text.splitlines()
            if line.startswith("sentinel_model_trained_timestamp_seconds{")
        )
    )
    assert abs(trained - pd.Timestamp.now(tz="UTC").timestamp()) < 24 * 3600
    assert "sentinel_forecast_series 4.0" in text


def test_openapi_docs_show_an_example(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/v1/feasibility"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["examples"][0]["series_id"] == "store-01"
    assert {"series_id", "group", "period", "start", "end", "target"} <= set(body["properties"])
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(schema)))
    assert refs <= set(schema["components"]["schemas"]), "every $ref in the OpenAPI document resolves"


def test_series_detail_shows_model_backtest_and_calibration(client):
    body = client.get("/v1/series/store-02").json()
    assert body["series_id"] == "store-02" and body["model"] in ("prophet", "prophet+ets")
    assert (body["model"] == "prophet") == (body["prophet_weight"] == 1.0)
    assert body["backtest"]["horizon"] == 120 and body["backtest"]["mase"] > 0
    assert 0 <= body["backtest"]["coverage_80"] <= 1
    assert body["calibration"]["paths"] == 12  # 4 series x 3 rolling origins
    low, _, high = body["calibration"]["relative_spread_min_median_max"]
    assert low <= body["backtest"]["relative_spread"] <= high
    assert client.get("/v1/series/nope").status_code == 404

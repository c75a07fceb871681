"""A DirectRoute (POST /v1/feasibility) answers like any route: errors mapped, metrics by template, documented."""

import pytest
from fastapi import APIRouter, Request, Response

from service.api.direct import DirectRoute


def test_feasibility_errors_and_metrics_go_through_the_app_as_before(client):
    unknown = client.post("/v1/feasibility", json={"series_id": "nope", "period": "2027-Q1", "target": 1})
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    broken = client.post("/v1/feasibility", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"].startswith("body: not valid JSON")
    assert client.get("/v1/feasibility").status_code == 405
    text = client.get("/metrics").text
    assert 'sentinel_http_requests_total{method="POST",route="/v1/feasibility",status="404"}' in text
    assert 'sentinel_http_requests_total{method="POST",route="/v1/feasibility",status="422"}' in text


def test_feasibility_keeps_its_documented_body(client):
    operation = client.get("/openapi.json").json()["paths"]["/v1/feasibility"]["post"]
    assert "target" in operation["requestBody"]["content"]["application/json"]["schema"]["properties"]


def test_an_endpoint_that_is_not_async_request_to_response_is_refused_at_declaration():
    router = APIRouter()

    def sync_endpoint(request: Request) -> Response:
        return Response()

    with pytest.raises(TypeError, match="DirectRoute"):
        router.add_api_route("/x", sync_endpoint, methods=["POST"], route_class_override=DirectRoute)

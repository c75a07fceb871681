"""The OpenAPI document states the rules the server enforces, and the server keeps them.

Which operations need a key under which setting; that a request body the document calls valid is
one the server's validation accepts, and one it calls invalid is refused (the one-of rules, strict
JSON types, the period names); 405 answers that say what the path accepts.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from service.app import create_app
from tests.service.kri_fixtures import READ, WRITE, kri_client, kri_settings
from tests.service.openapi_calls import CALLS, Call, send
from tests.service.test_openapi_contract import METHODS, OPENAPI_URI

KEY = [{"APIKeyHeader": []}]
OPTIONAL_KEY = [{}, {"APIKeyHeader": []}]
# Probes and scraping never need a key; writes always do; every other operation is a read.
OPEN = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}
WRITES = {
    ("POST", "/v1/actuals"),
    ("POST", "/v1/targets"),
    ("DELETE", "/v1/targets/{name}"),
    ("POST", "/v1/kri/observations"),
    ("POST", "/v1/churn/outcomes"),
    ("POST", "/admin/reload"),
    ("PUT", "/v1/plan"),
}


def _document(tmp_path, **settings) -> dict[str, Any]:
    return create_app(kri_settings(tmp_path, **settings)).openapi()


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


@pytest.fixture(scope="module")
def models_root(driver_registry, churn_registry, tmp_path_factory):
    root = tmp_path_factory.mktemp("rules")  # a forecast model with drivers: the plan routes answer too
    shutil.copytree(driver_registry.root / "forecast", root / "registry" / "forecast")
    shutil.copytree(churn_registry.root / "churn", root / "registry" / "churn")
    return root


@pytest.fixture(scope="module")
def client(models_root):
    with kri_client(models_root / "open", registry=models_root / "registry") as c:
        yield c


@pytest.mark.parametrize("locked", [False, True], ids=["reads open", "reads need a key"])
def test_the_document_says_which_operations_need_a_key(tmp_path, locked):
    operations = _operations(_document(tmp_path, require_auth_for_reads=locked))
    assert set(operations) >= OPEN | WRITES
    for (method, path), operation in operations.items():
        where, statuses = f"{method} {path}", set(operation["responses"])
        if (method, path) in OPEN:
            assert "security" not in operation and not statuses & {"401", "403"}, where
        elif (method, path) in WRITES or locked:
            assert operation["security"] == KEY and {"401", "403"} <= statuses, where
        else:  # the key is not even read: it cannot be refused
            assert operation["security"] == OPTIONAL_KEY and not statuses & {"401", "403"}, where


def test_fastapis_own_422_body_is_not_in_the_document(tmp_path):
    document = _document(tmp_path)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for (method, path), operation in _operations(document).items():
        if "422" in operation["responses"]:
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path}"


def _with_headers(call: Call, headers: dict[str, str]) -> Call:
    return replace(call, headers=headers)


def test_with_reads_locked_every_read_needs_a_read_key(models_root):
    reads = [c for c in CALLS if (c.method, c.route) not in OPEN | WRITES]
    assert {(c.method, c.route) for c in reads} == {
        (method, path)
        for method, path in _operations(_document(models_root / "doc"))
        if (method, path) not in OPEN | WRITES
    }, "every read operation has a call in CALLS"
    locked_app = kri_client(models_root / "locked", registry=models_root / "registry", require_auth_for_reads=True)
    with locked_app as locked:
        for call in CALLS:
            if (call.method, call.route) in WRITES:
                assert send(locked, call).status_code < 300, call.name  # so later reads see what they stored
                continue
            if (call.method, call.route) in OPEN:
                assert send(locked, call).status_code == 200, call.name
                continue
            anonymous = send(locked, _with_headers(call, {}))
            assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized", call.name
            assert send(locked, _with_headers(call, {"X-API-Key": "guess"})).status_code == 401, call.name
            assert send(locked, _with_headers(call, READ)).status_code < 300, call.name


def test_with_reads_open_a_read_ignores_the_key(client):
    body = {"series_id": "store-01", "period": "2027-01", "target": 4e5}
    for headers in ({}, {"X-API-Key": "guess"}, READ):
        assert client.post("/v1/feasibility", json=body, headers=headers).status_code == 200
        assert client.get("/v1/series", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v1/targets", "GET, POST"),
        ("OPTIONS", "/v1/targets", "GET, POST"),
        ("GET", "/v1/targets/decompose", "POST"),  # a literal path, not the {name} of DELETE /v1/targets/{name}
        ("GET", "/v1/targets/north-q1", "DELETE"),
        ("POST", "/healthz", "GET"),
        ("DELETE", "/v1/forecast/store-01", "GET, POST"),
        ("GET", "/v1/feasibility", "POST"),
    ],
)
def test_a_405_lists_the_methods_its_path_accepts(client, method, path, allow):
    response = client.request(method, path)
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert response.headers["allow"] == allow


JAN = {"period": "2027-01"}
# (route, body, valid by the document?): the server's validation must agree.
BODIES = [
    ("/v1/feasibility", {"series_id": "store-01", **JAN, "target": 1.0}, True),
    ("/v1/feasibility", {"group": {}, "start": "2027-01-01", "end": "2027-01-31", "target": 1}, True),
    ("/v1/feasibility", {"total": True, **JAN, "target": 1.0}, True),
    ("/v1/feasibility", {"group": {"region": "North"}, "series_id": None, "total": False, **JAN, "target": 1.0}, True),
    ("/v1/feasibility", {"series_id": "store-01", **JAN, "start": None, "end": None, "target": 1.0}, True),
    ("/v1/feasibility", {"series_id": "store-01", "period": "fy2027-q1", "target": 1.0}, True),
    ("/v1/feasibility", {"series_id": "store-01", "period": "0000", "target": 1.0}, True),  # a 422, never a 500
    ("/v1/feasibility", {"series_id": "store-01", "period": "9999-W52", "target": 1.0}, True),
    ("/v1/feasibility", {"series_id": "store-01", "group": {}, **JAN, "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "total": True, **JAN, "target": 1.0}, False),
    ("/v1/feasibility", {"group": {}, "total": True, **JAN, "target": 1.0}, False),
    ("/v1/feasibility", {**JAN, "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", **JAN, "start": "2027-01-01", "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "start": "2027-01-01", "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", **JAN, "target": "5"}, False),
    ("/v1/feasibility", {"series_id": "store-01", **JAN, "target": 0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "total": 0, **JAN, "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "start": 1798761600, "end": "2027-01-31", "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "start": "2027-01-01T00:00:00", "end": "2027-01-31", "target": 1.0},
     False),
    ("/v1/feasibility", {"series_id": "store-01", "period": "2027-13", "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", "period": " 2027-01", "target": 1.0}, False),
    ("/v1/feasibility", {"series_id": "store-01", **JAN, "target": 1.0, "colour": "teal"}, False),
    ("/v1/feasibility/curve", {"series_id": "store-01", **JAN, "points": 5.0}, True),
    ("/v1/feasibility/curve", {"series_id": "store-01", **JAN, "points": "5"}, False),
    ("/v1/feasibility/curve", {"series_id": "store-01", **JAN, "points": 1}, False),
    ("/v1/feasibility/solve", {"total": True, **JAN, "target": 1, "regressor": "promo", "probability": 0.5}, True),
    ("/v1/feasibility/solve", {"series_id": "store-01", **JAN, "target": 1.0, "regressor": "promo", "probability": 1},
     False),
    ("/v1/feasibility/solve", {"series_id": "store-01", **JAN, "target": 1.0, "regressor": "promo", "probability": 0.5,
                               "bounds": {"max_periods": 2.5}}, False),
    ("/v1/fan", {"series_id": "store-01", "history_periods": 12.0}, True),
    ("/v1/fan", {"series_id": "store-01", "history_periods": True}, False),
    ("/v1/fan", {"total": "true"}, False),
    ("/v1/targets/decompose", {"target": 1.0, **JAN, "group": {}}, True),
    ("/v1/targets/decompose", {"target": 1.0, **JAN, "series_ids": ["store-01"]}, True),
    ("/v1/targets/decompose", {"target": 1.0, **JAN, "group": {}, "series_ids": ["store-01"]}, False),
    ("/v1/targets/decompose", {"target": 1.0, **JAN}, False),
    ("/v1/kri/observations", {"observations": [{"kri": "returns_rate", "value": 1, "ts": "2026-11-22T09:00:00Z"}]},
     True),
    ("/v1/kri/observations", {"observations": [{"kri": "returns_rate", "value": 1, "ts": 1798761600}]}, False),
    ("/v1/churn/score", {"customers": [{"customer_id": 42}]}, True),
    ("/v1/churn/score", {"customers": [{"region": "North"}]}, False),
]  # fmt: skip


def _request_validator(openapi: dict[str, Any], route: str) -> Draft202012Validator:
    document = Resource.from_contents(openapi, default_specification=DRAFT202012)
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in ("paths", route, "post"))
    return Draft202012Validator(
        {"$ref": f"{OPENAPI_URI}#/{pointer}/requestBody/content/application~1json/schema"},
        registry=Registry().with_resource(OPENAPI_URI, document),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@pytest.mark.parametrize(("route", "body", "valid"), BODIES)
def test_the_document_and_the_server_agree_on_what_a_valid_body_is(client, route, body, valid):
    document_says = _request_validator(client.get("/openapi.json").json(), route).is_valid(body)
    assert document_says is valid, f"the document calls {body} {'valid' if document_says else 'invalid'}"
    response = client.post(route, json=body, headers=WRITE)
    assert response.status_code < 500, response.text
    if valid:  # it may still be a 422 for a value the model cannot answer (invalid_input, out_of_range)
        assert response.status_code != 422 or response.json()["error"] != "invalid_request", response.text
    else:
        assert response.status_code == 422, response.text

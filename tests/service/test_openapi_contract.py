"""Every route's real responses match the schema /openapi.json declares for them.

FastAPI checks a returned dict against ``response_model``, but the fast paths (feasibility,
forecast, churn scores, readiness) return pre-serialised bodies it never looks at: this test is
what keeps those honest. It walks every path and method of the OpenAPI document, so a new route
without a call here, or a 2xx JSON response without a declared model, fails it. Object schemas
are closed for the check (``additionalProperties: false`` where a model names its properties), so
a key a route sends but its schema does not declare fails too.

The errors are held to the document as well: each call of ``ERRORS`` answers a status its
operation declares, with the body declared for it, and an app without models answers 503 on
exactly the operations that declare it. tests/e2e/test_schemathesis.py fuzzes a live server.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.service.kri_fixtures import READ, WRITE, kri_client, wait_for
from training.jobs.sample import make_customers

ADMIN = {"X-API-Key": "a-key"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
OPENAPI_URI = "urn:sentinel:openapi"


@dataclass(frozen=True)
class Call:
    """One real request: ``route`` is the OpenAPI path template, ``params`` fill it in."""

    name: str
    method: str
    route: str
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    until: Callable[[httpx.Response], bool] | None = None  # poll until the background loops caught up
    content: bytes | None = None  # a raw body instead of ``json``
    status: int | None = None  # for ERRORS: the status the call must answer


def _customers() -> list[dict[str, Any]]:
    batch = make_customers(seed=11, n=60).drop(columns=["churned"]).to_dict("records")
    batch[0]["favourite_colour"] = "teal"  # a warning in the body
    del batch[1]["tenure_months"]  # imputed, with another warning
    return batch


JAN = {"period": "2027-01"}
PROMO = {"promo": [{"start": "2027-01-05", "end": "2027-01-18", "value": 1}]}
TODAY = dt.datetime.now(dt.UTC).date().isoformat()  # churn outcomes: on or after the scores they resolve
SEEN = list(enumerate(_customers()))  # the customers "churn score" scores
# In order: later calls see what earlier ones stored (actuals, targets, observations).
CALLS = [
    Call("healthz", "GET", "/healthz"),
    Call("readyz", "GET", "/readyz"),
    Call("series", "GET", "/v1/series"),
    Call("series detail", "GET", "/v1/series/{series_id}", params={"series_id": "store-02"}),
    Call("groups", "GET", "/v1/groups"),
    Call("forecast", "GET", "/v1/forecast/{series_id}", params={"series_id": "store-01"}),
    Call(
        "forecast, cached bands",
        "GET",
        "/v1/forecast/{series_id}",
        params={"series_id": "store-01"},
        query={"horizon": 7, "level": 80},
    ),
    Call("feasibility series", "POST", "/v1/feasibility", json={"series_id": "store-01", **JAN, "target": 4e5}),
    Call(
        "feasibility dates",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-03", "start": "2026-10-01", "end": "2026-11-30", "target": 9e5},
    ),
    Call("feasibility group", "POST", "/v1/feasibility", json={"group": {"region": "North"}, **JAN, "target": 4e5}),
    Call("feasibility total", "POST", "/v1/feasibility", json={"total": True, **JAN, "target": 1.8e6}),
    Call(
        "actuals",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-04", "ds": f"2026-11-{d:02d}", "y": 12000.5} for d in (1, 2, 3)]},
        headers=WRITE,
    ),
    Call(
        "feasibility with actuals",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-04", "period": "2026-11", "target": 4e5},
    ),
    Call("curve series", "POST", "/v1/feasibility/curve", json={"series_id": "store-01", **JAN}),
    Call(
        "curve group with actuals",
        "POST",
        "/v1/feasibility/curve",
        json={"group": {"store_format": "street"}, "period": "2026-11", "points": 5},
    ),
    Call("fan series with actuals", "POST", "/v1/fan", json={"series_id": "store-04", "history_periods": 10}),
    Call("fan total", "POST", "/v1/fan", json={"total": True}),
    Call(
        "decompose by series",
        "POST",
        "/v1/targets/decompose",
        json={"target": 2e6, **JAN, "group": {}, "by": "series"},
    ),
    Call(
        "decompose by month",
        "POST",
        "/v1/targets/decompose",
        json={
            "target": 5e6,
            "start": "2026-11-01",
            "end": "2027-02-28",
            "series_ids": ["store-01", "store-04"],
            "by": "month",
            "method": "equal_probability",
        },
    ),
    Call(
        "decompose by quarter",
        "POST",
        "/v1/targets/decompose",
        json={
            "target": 5e6,
            "start": "2026-11-01",
            "end": "2027-02-28",
            "group": {"store_format": "street"},
            "by": "quarter",
        },
    ),
    Call(
        "feasibility under a scenario",
        "POST",
        "/v1/feasibility",
        json={"group": {"region": "North"}, **JAN, "target": 4e5, "scenario": PROMO},
    ),
    Call(
        "goal seek on a driver",
        "POST",
        "/v1/feasibility/solve",
        json={"series_id": "store-01", **JAN, "target": 4.5e5, "regressor": "promo", "probability": 0.6},
    ),
    Call(
        "forecast under a scenario",
        "POST",
        "/v1/forecast/{series_id}",
        params={"series_id": "store-02"},
        json={"scenario": PROMO, "horizon": 90},
    ),
    Call(
        "decompose under a scenario",
        "POST",
        "/v1/targets/decompose",
        json={"target": 2e6, **JAN, "group": {}, "by": "month", "scenario": PROMO},
    ),
    Call("plan", "GET", "/v1/plan/{series_id}", params={"series_id": "store-03"}),
    Call(
        "replace planned values",
        "PUT",
        "/v1/plan",
        json={
            "changes": [
                {"series_id": "store-03", "regressor": "promo", "start": "2027-01-10", "end": "2027-01-12", "value": 1}
            ]
        },
        headers=WRITE,
    ),
    Call("plan with overrides", "GET", "/v1/plan/{series_id}", params={"series_id": "store-03"}),
    Call(
        "feasibility with a replaced plan",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-03", **JAN, "target": 4e5},
    ),
    Call("forecast with a replaced plan", "GET", "/v1/forecast/{series_id}", params={"series_id": "store-03"}),
    Call(
        "register series target",
        "POST",
        "/v1/targets",
        json={"name": "s1-jan", "series_id": "store-01", **JAN, "amount": 4e5, "owner": "ana"},
        headers=WRITE,
    ),
    Call(
        "register group target",
        "POST",
        "/v1/targets",
        json={"name": "north-nov", "group": {"region": "North"}, "period": "2026-11", "amount": 1.0},
        headers=WRITE,
    ),
    Call("targets", "GET", "/v1/targets"),
    Call("delete target", "DELETE", "/v1/targets/{name}", params={"name": "north-nov"}, headers=WRITE),
    Call("monitoring", "GET", "/v1/monitoring"),
    Call("monitoring of a group", "GET", "/v1/monitoring", query={"group": "region:South", "since": "2026-11-01"}),
    Call("churn score", "POST", "/v1/churn/score", json={"customers": _customers()}),
    Call("churn summary", "GET", "/v1/churn/summary"),
    Call(
        "churn outcomes",
        "POST",
        "/v1/churn/outcomes",
        json={"outcomes": [{"customer_id": c["customer_id"], "churned": i % 3 == 0, "as_of": TODAY} for i, c in SEEN]},
        headers=WRITE,
    ),
    Call("monitoring with churn outcomes", "GET", "/v1/monitoring"),
    Call("models", "GET", "/v1/models"),
    Call(
        "kri observations",
        "POST",
        "/v1/kri/observations",
        json={
            "observations": [
                {"kri": "returns_rate", "value": 0.2, "ts": "2026-11-22T09:00:00Z", "labels": {"region": "west"}}
            ]
        },
        headers=WRITE,
    ),
    Call("alerts", "GET", "/v1/alerts", until=lambda r: r.status_code == 200 and bool(r.json())),
    Call(
        "kris",
        "GET",
        "/v1/kri",
        until=lambda r: (
            r.status_code == 200 and all(k["no_data_reason"] != "not evaluated yet" for k in r.json()["kris"])
        ),
    ),
    Call("one kri", "GET", "/v1/kri", query={"name": "returns_rate"}),
    Call("metrics", "GET", "/metrics"),
    Call("reload", "POST", "/admin/reload", headers=ADMIN),
]

NOT_UTF8 = b'{"series_id": "\xff"}'
# Sent after CALLS, so what they stored (target s1-jan) is there.
ERRORS = [
    Call(
        "feasibility, unknown series",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-99", **JAN, "target": 1.0},
        status=404,
    ),
    Call(
        "feasibility, two subjects",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-01", "total": True, **JAN, "target": 1.0},
        status=422,
    ),
    Call(
        "feasibility, outside the horizon",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-01", "period": "2030-01", "target": 1.0},
        status=422,
    ),
    Call("feasibility, not UTF-8", "POST", "/v1/feasibility", content=NOT_UTF8, status=422),
    Call(
        "curve, unknown group value",
        "POST",
        "/v1/feasibility/curve",
        json={"group": {"region": "Mars"}, **JAN},
        status=404,
    ),
    Call("curve, not UTF-8", "POST", "/v1/feasibility/curve", content=NOT_UTF8, status=422),
    Call("fan, unknown series", "POST", "/v1/fan", json={"series_id": "store-99"}, status=404),
    Call("fan, a count as text", "POST", "/v1/fan", json={"series_id": "store-01", "history_periods": "5"}, status=422),
    Call("forecast, unknown series", "GET", "/v1/forecast/{series_id}", params={"series_id": "store-99"}, status=404),
    Call(
        "forecast, beyond the trained horizon",
        "GET",
        "/v1/forecast/{series_id}",
        params={"series_id": "store-01"},
        query={"horizon": 500},
        status=422,
    ),
    Call("series detail, unknown", "GET", "/v1/series/{series_id}", params={"series_id": "store-99"}, status=404),
    Call(
        "actuals, no key",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-04", "ds": "2026-11-05", "y": 1.0}]},
        status=401,
    ),
    Call(
        "actuals, a read key",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-04", "ds": "2026-11-05", "y": 1.0}]},
        headers=READ,
        status=403,
    ),
    Call(
        "actuals, unknown series",
        "POST",
        "/v1/actuals",
        json={"actuals": [{"series_id": "store-99", "ds": "2026-11-05", "y": 1.0}]},
        headers=WRITE,
        status=422,
    ),
    Call("actuals, not UTF-8", "POST", "/v1/actuals", content=NOT_UTF8, headers=WRITE, status=422),
    Call(
        "decompose, unknown series",
        "POST",
        "/v1/targets/decompose",
        json={"target": 1.0, **JAN, "series_ids": ["store-99"]},
        status=404,
    ),
    Call("decompose, no scope", "POST", "/v1/targets/decompose", json={"target": 1.0, **JAN}, status=422),
    Call(
        "feasibility, a scenario of an unknown regressor",
        "POST",
        "/v1/feasibility",
        json={"series_id": "store-01", **JAN, "target": 1.0, "scenario": {"price": PROMO["promo"]}},
        status=422,
    ),
    Call(
        "goal seek, a regressor the model lacks",
        "POST",
        "/v1/feasibility/solve",
        json={"series_id": "store-01", **JAN, "target": 1.0, "regressor": "price", "probability": 0.7},
        status=422,
    ),
    Call("plan, unknown series", "GET", "/v1/plan/{series_id}", params={"series_id": "store-99"}, status=404),
    Call(
        "plan, a 0/1 regressor given 0.5",
        "PUT",
        "/v1/plan",
        json={
            "changes": [
                {
                    "series_id": "store-01",
                    "regressor": "promo",
                    "start": "2027-01-10",
                    "end": "2027-01-10",
                    "value": 0.5,
                }
            ]
        },
        headers=WRITE,
        status=422,
    ),
    Call(
        "register, a name taken",
        "POST",
        "/v1/targets",
        json={"name": "s1-jan", "series_id": "store-01", **JAN, "amount": 1.0},
        headers=WRITE,
        status=422,
    ),
    Call(
        "register, unknown group",
        "POST",
        "/v1/targets",
        json={"name": "mars", "group": {"region": "Mars"}, **JAN, "amount": 1.0},
        headers=WRITE,
        status=404,
    ),
    Call("delete, unknown target", "DELETE", "/v1/targets/{name}", params={"name": "nope"}, headers=WRITE, status=404),
    Call("delete, no key", "DELETE", "/v1/targets/{name}", params={"name": "s1-jan"}, status=401),
    Call(
        "churn score, no customer_id", "POST", "/v1/churn/score", json={"customers": [{"region": "North"}]}, status=422
    ),
    Call("monitoring, a group without its column", "GET", "/v1/monitoring", query={"group": "North"}, status=422),
    Call("monitoring, unknown series", "GET", "/v1/monitoring", query={"series_id": "store-99"}, status=404),
    Call(
        "churn outcomes, never scored",
        "POST",
        "/v1/churn/outcomes",
        json={"outcomes": [{"customer_id": "nobody", "churned": True, "as_of": TODAY}]},
        headers=WRITE,
        status=422,
    ),
    Call(
        "churn outcomes, no key",
        "POST",
        "/v1/churn/outcomes",
        json={"outcomes": [{"customer_id": "C00001", "churned": True, "as_of": TODAY}]},
        status=401,
    ),
    Call("kri, unknown", "GET", "/v1/kri", query={"name": "nope"}, status=404),
    Call(
        "observations, unknown kri",
        "POST",
        "/v1/kri/observations",
        json={"observations": [{"kri": "nope", "value": 1.0, "ts": "2026-11-22T09:00:00Z"}]},
        headers=WRITE,
        status=422,
    ),
    Call(
        "observations, a read key",
        "POST",
        "/v1/kri/observations",
        json={"observations": [{"kri": "returns_rate", "value": 1.0, "ts": "2026-11-22T09:00:00Z"}]},
        headers=READ,
        status=403,
    ),
    Call("reload, a write key", "POST", "/admin/reload", headers=WRITE, status=403),
    Call("reload, unknown key", "POST", "/admin/reload", headers={"X-API-Key": "guess"}, status=401),
]


@pytest.fixture(scope="module")
def served(driver_registry, churn_registry, tmp_path_factory):
    """The OpenAPI document and each call's response, from one app serving a forecast (with drivers) and a churn
    model."""
    root = tmp_path_factory.mktemp("contract")
    shutil.copytree(driver_registry.root / "forecast", root / "registry" / "forecast")
    shutil.copytree(churn_registry.root / "churn", root / "registry" / "churn")
    responses: dict[str, httpx.Response] = {}
    with kri_client(root) as client:
        for call in CALLS:
            if call.until is not None:
                wait_for(lambda call=call: call.until(_send(client, call)))
            responses[call.name] = _send(client, call)
        for call in ERRORS:
            responses[call.name] = _send(client, call)
        openapi = client.get("/openapi.json").json()
    return openapi, responses


def _send(client: TestClient, call: Call) -> httpx.Response:
    path = call.route.format(**call.params)
    if call.content is not None:
        headers = {"Content-Type": "application/json", **call.headers}
        return client.request(call.method, path, params=call.query, content=call.content, headers=headers)
    return client.request(call.method, path, params=call.query, json=call.json, headers=call.headers)


def _operations(openapi: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in openapi["paths"].items() for method in item if method in METHODS}


def _names_a_model(schema: dict[str, Any]) -> bool:
    """A ``$ref`` to a component, a list of them, or a choice between them; not a free-form object."""
    if "$ref" in schema:
        return True
    if schema.get("type") == "array":
        return _names_a_model(schema.get("items", {}))
    choices = schema.get("anyOf") or schema.get("oneOf") or []
    return bool(choices) and all(_names_a_model(choice) for choice in choices)


def _closed(node: Any) -> Any:
    """A copy in which every object schema that lists its properties allows no others."""
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _closed(value) for key, value in node.items()}
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _validator(openapi: dict[str, Any], method: str, route: str, status: str, media: str) -> Draft202012Validator:
    """A validator for one response body, resolving the document's ``#/components/...`` references."""
    document = Resource.from_contents(_closed(copy.deepcopy(openapi)), default_specification=DRAFT202012)
    pointer = "/".join(part.replace("~", "~0").replace("/", "~1") for part in ("paths", route, method.lower()))
    media_key = media.replace("~", "~0").replace("/", "~1")
    ref = f"{OPENAPI_URI}#/{pointer}/responses/{status}/content/{media_key}/schema"
    return Draft202012Validator(
        {"$ref": ref},
        registry=Registry().with_resource(OPENAPI_URI, document),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_every_2xx_json_response_declares_a_model(served):
    openapi, _ = served
    undeclared = [
        f"{method} {path} {status}"
        for method, path in sorted(_operations(openapi))
        for status, response in openapi["paths"][path][method.lower()]["responses"].items()
        if status.startswith("2")
        and "application/json" in response.get("content", {})
        and not _names_a_model(response["content"]["application/json"].get("schema", {}))
    ]
    assert not undeclared, f"declare a response_model for: {', '.join(undeclared)}"


def test_every_operation_in_the_document_is_called_with_success(served):
    openapi, responses = served
    called = {(c.method, c.route) for c in CALLS if responses[c.name].status_code < 300}
    missing = sorted(_operations(openapi) - called)
    assert not missing, f"add a successful call to CALLS for: {missing}"


@pytest.mark.parametrize("call", CALLS, ids=[c.name for c in CALLS])
def test_the_real_response_matches_the_declared_schema(served, call):
    openapi, responses = served
    response = responses[call.name]
    assert response.status_code < 300, f"{call.name}: {response.status_code} {response.text}"
    _check_body(openapi, call, response)


def _check_body(openapi: dict[str, Any], call: Call, response: httpx.Response) -> None:
    declared = openapi["paths"][call.route][call.method.lower()]["responses"]
    status = str(response.status_code)
    assert status in declared, f"{call.method} {call.route} answered {status}; it declares {sorted(declared)}"
    content = declared[status].get("content", {})
    if not content:
        assert response.content == b"", f"{call.name}: a body where the document declares none"
        return
    media = response.headers["content-type"].split(";")[0]
    assert media in content, f"{call.name}: sent {media}; the document declares {sorted(content)}"
    body = response.json() if media == "application/json" else response.text
    errors = sorted(_validator(openapi, call.method, call.route, status, media).iter_errors(body), key=str)
    assert not errors, f"{call.name}: " + "; ".join(
        f"at {'/'.join(map(str, e.absolute_path)) or 'the root'}: {e.message}" for e in errors[:5]
    )


@pytest.mark.parametrize("call", ERRORS, ids=[c.name for c in ERRORS])
def test_an_error_answers_a_declared_status_with_its_declared_body(served, call):
    openapi, responses = served
    response = responses[call.name]
    assert response.status_code == call.status, f"{call.name}: {response.status_code} {response.text}"
    _check_body(openapi, call, response)


def test_without_models_exactly_the_operations_declaring_503_answer_it(tmp_path):
    """No forecast or churn model: an operation that needs one says 503 not_ready, and says so in the document."""
    with kri_client(tmp_path) as client:
        openapi = client.get("/openapi.json").json()
        first = {}
        for call in CALLS:  # one successful request per operation, as it is sent when models are loaded
            first.setdefault((call.method, call.route), call)
        wrong = []
        for (method, route), call in sorted(first.items()):
            response = _send(client, call)
            declares = "503" in openapi["paths"][route][method.lower()]["responses"]
            if (response.status_code == 503) != declares:
                wrong.append(f"{method} {route}: {response.status_code}, declares 503: {declares}")
            elif declares:
                assert response.json()["error"] == "not_ready", f"{method} {route}: {response.text}"
            _check_body(openapi, call, response)
        assert not wrong, wrong

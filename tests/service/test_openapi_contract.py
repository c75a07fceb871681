"""Every route's real responses match the schema /openapi.json declares for them.

FastAPI checks a returned dict against ``response_model``, but the fast paths (feasibility,
forecast, churn scores, readiness) return pre-serialised bodies it never looks at: this test is
what keeps those honest. It walks every path and method of the OpenAPI document, so a new route
without a call here, or a 2xx JSON response without a declared model, fails it. Object schemas
are closed for the check (``additionalProperties: false`` where a model names its properties), so
a key a route sends but its schema does not declare fails too.

The calls are in tests/service/openapi_calls.py. The errors are held to the document as well:
each call of ``ERRORS`` answers a status its operation declares, with the body declared for it,
and an app without models answers 503 on exactly the operations that declare it.
tests/e2e/test_schemathesis.py fuzzes a live server.
"""

from __future__ import annotations

import copy
import shutil
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.service.kri_fixtures import kri_client, wait_for
from tests.service.openapi_calls import CALLS, ERRORS, Call, send

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
OPENAPI_URI = "urn:sentinel:openapi"


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
                wait_for(lambda call=call: call.until(send(client, call)))
            responses[call.name] = send(client, call)
        for call in ERRORS:
            responses[call.name] = send(client, call)
        openapi = client.get("/openapi.json").json()
    return openapi, responses


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
            response = send(client, call)
            declares = "503" in openapi["paths"][route][method.lower()]["responses"]
            if (response.status_code == 503) != declares:
                wrong.append(f"{method} {route}: {response.status_code}, declares 503: {declares}")
            elif declares:
                assert response.json()["error"] == "not_ready", f"{method} {route}: {response.text}"
            _check_body(openapi, call, response)
        assert not wrong, wrong

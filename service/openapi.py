"""The OpenAPI document, made to state what the server enforces.

FastAPI writes the document from the routes; this adds what it cannot see, once per app (the app
is built per :class:`~service.settings.Settings`, so the document follows them):

* **keys.** An operation whose route takes ``WriteKey`` or ``AdminKey`` requires ``X-API-Key``
  (``security: [{"APIKeyHeader": []}]``) and declares 401 and 403. A ``ReadKey`` operation does
  the same when ``SENTINEL_REQUIRE_AUTH_FOR_READS`` is on; otherwise the key is optional
  (``security: [{}, {"APIKeyHeader": []}]``) and the operation never answers 401 or 403, since the
  key is not even read. Operations without a key (health probes, ``/metrics``) declare none.
* **422.** FastAPI declares its own ``HTTPValidationError`` body for every operation with
  parameters, a shape this service never sends. An operation that can fail validation lists 422
  itself (``service.api.schemas.common.error_responses``, with ``ErrorBody``); FastAPI's
  default is dropped where it does not, since there is nothing to fail (a path segment that is
  any string), so the document lists no status an operation cannot answer.

tests/service/test_openapi_contract.py checks the result against real answers, and
tests/e2e/test_schemathesis.py fuzzes a live server against it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import fastapi.routing
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.applications import Starlette

from service.api.schemas.common import ErrorBody, error_responses
from service.auth import INLINE_KEY, KeyCheck, key_scheme
from service.deps import services_of

__all__ = ["document_api", "key_needed", "routes_of"]

_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def document_api(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and so ``/openapi.json`` and ``/docs``) return the amended document."""
    build = app.openapi  # FastAPI's own, which caches its result in app.openapi_schema

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _amend(build(), app, services_of(app).settings.require_auth_for_reads)
        return app.openapi_schema  # type: ignore[return-value]  # set by build()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise it


def routes_of(app: Starlette) -> Iterator[Any]:
    """Every route of ``app``, its router's prefix applied (``path_format``, ``path_regex``, ``methods``).

    FastAPI 0.16x includes a router lazily: ``app.routes`` holds one entry per router, and
    ``iter_route_contexts`` yields its routes as served; before, each route was copied into ``app.routes``.
    """
    flatten = getattr(fastapi.routing, "iter_route_contexts", None)
    return iter(flatten(app.routes)) if flatten is not None else iter(app.routes)


def _is_api_route(route: Any) -> bool:
    return isinstance(getattr(route, "original_route", route), APIRoute)


def key_needed(route: Any) -> KeyCheck | None:
    """What key an API route checks: its ``KeyCheck`` dependency, or the role it declared with ``inline_key``."""
    inline = (route.openapi_extra or {}).get(INLINE_KEY)
    if inline is not None:
        return KeyCheck(inline["minimum"], read=inline["read"])
    return next((dep.call for dep in _dependencies(route.dependant) if isinstance(dep.call, KeyCheck)), None)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _dependencies(dep)


def _amend(document: dict[str, Any], app: FastAPI, reads_need_a_key: bool) -> None:
    components = document.setdefault("components", {})
    name, scheme = key_scheme()
    components.setdefault("securitySchemes", {})[name] = scheme
    components.setdefault("schemas", {}).setdefault("ErrorBody", ErrorBody.model_json_schema())
    keyed = _keyed_responses()
    for route in routes_of(app):
        if not _is_api_route(route) or not route.include_in_schema:
            continue
        check = key_needed(route)
        for method in route.methods:
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            operation.pop(INLINE_KEY, None)
            responses = operation["responses"]
            if _content_ref(responses.get("422")) == _FASTAPI_422:
                del responses["422"]
            if check is None:
                operation.pop("security", None)
            elif check.read and not reads_need_a_key:
                operation["security"] = [{}, {name: []}]
            else:
                operation["security"] = [{name: []}]
                responses.update(keyed)
            operation["responses"] = dict(sorted(responses.items()))
    if _FASTAPI_422 not in json.dumps(document["paths"]):
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's, referenced by nothing now
            components["schemas"].pop(unused, None)


def _keyed_responses() -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    return {
        str(status): {"description": spec["description"], "content": {"application/json": {"schema": ref}}}
        for status, spec in error_responses(401, 403).items()
    }


def _content_ref(response: dict[str, Any] | None) -> str | None:
    if not response:
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref: str | None = schema.get("$ref")
    return ref

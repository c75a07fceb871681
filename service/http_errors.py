"""The one place that maps errors to HTTP: ``{"error": code, "detail": message}``, never a traceback.

A domain error answers with the status its class carries (the tree in ``models/errors.py``);
FastAPI's request validation gives 422 ``invalid_request``, and so does a body that is not JSON at
all (FastAPI's own 400 for a body that is not UTF-8 included, so every route answers alike); a
405 lists in ``Allow`` every method its path accepts; anything else is a logged 500.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from models.errors import SentinelError

__all__ = ["error_response", "install_error_handlers"]

log = logging.getLogger(__name__)


def error_response(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


async def _sentinel_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SentinelError)
    return error_response(exc.http_status, exc.code, str(exc))


async def _request_invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        if err.get("type") == "json_invalid" and "ctx" in err:  # FastAPI's: the location is a byte offset
            problems.append(f"body: not valid JSON ({err['ctx'].get('error', 'invalid')})")
            continue
        where = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "body"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return error_response(422, "invalid_request", "; ".join(problems))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        # FastAPI's "There was an error parsing the body": JSON that is not UTF-8 is still not JSON.
        return error_response(422, "invalid_request", f"body: not valid JSON ({exc.__cause__.reason})")
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (methods := _methods_of(request)):
        # Starlette's Allow names the methods of the first route matching the path only; a path
        # served by several routes (GET and POST /v1/targets) accepts all of theirs.
        headers["Allow"] = ", ".join(sorted(methods))
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers)


def _methods_of(request: Request) -> set[str]:
    """The methods of the routes whose path matches; as in OpenAPI, a literal path (``/v1/targets/decompose``)
    is its own resource even where a template (``/v1/targets/{name}``) would match it too."""
    from service.openapi import routes_of  # here: the app's modules import this one

    literal: set[str] = set()
    templated: set[str] = set()
    for route in routes_of(request.app):
        regex, allowed = getattr(route, "path_regex", None), getattr(route, "methods", None)
        if regex is not None and allowed and regex.match(request.url.path):
            (templated if "{" in getattr(route, "path_format", "{") else literal).update(allowed)
    return literal or templated


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "an internal error occurred; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SentinelError, _sentinel_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

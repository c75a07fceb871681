"""A route whose endpoint takes the ``Request`` and returns the ``Response`` itself, for the hot paths.

FastAPI's per-request handler solves the endpoint's dependencies, reads and validates its body and
serialises its return value, and it does all the bookkeeping for that even when the endpoint's only
parameter is the request and it returns a ready ``Response``: ~20 us a request here, as much as a
plain feasibility answer's arithmetic. A ``DirectRoute`` calls the endpoint straight away. The rest is
FastAPI's as for any route: matching and ``scope["route"]`` (the metrics label), the body size limit,
the exception handlers (``service.http_errors``) and the OpenAPI document built from the route's
declaration (its ``openapi_extra`` describes the body the endpoint parses itself).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

__all__ = ["DirectRoute"]


class DirectRoute(APIRoute):
    """An ``APIRoute`` for an ``async def endpoint(request: Request) -> Response``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint
        params = list(inspect.signature(endpoint).parameters)
        if not inspect.iscoroutinefunction(endpoint) or len(params) != 1:
            raise TypeError(f"a DirectRoute endpoint is async def f(request) -> Response; {endpoint!r} is not")
        handler: Callable[[Request], Coroutine[Any, Any, Response]] = endpoint
        return handler

"""API keys: ``X-API-Key`` checked against ``SENTINEL_API_KEYS`` ("key:role,key:role").

Roles nest: admin ⊇ write ⊇ read. No key or an unknown key -> 401; a key whose role is too low
-> 403. Read endpoints are open unless ``SENTINEL_REQUIRE_AUTH_FOR_READS=true``; the health
probes and ``/metrics`` are always open. Keys are compared with ``hmac.compare_digest`` against
every configured key, so timing reveals nothing.

A route names its key as its first parameter (``_: ReadKey``); ``service.openapi`` reads the same
dependency to write the route's ``security`` and its 401/403 into the OpenAPI document. A route
that checks its key inline (the feasibility hot path) calls :func:`authorize` and declares the
role with :func:`inline_key` instead.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from models.errors import Forbidden, InvalidInput, Unauthorized
from service.deps import services_of

__all__ = [
    "HEADER",
    "INLINE_KEY",
    "ROLES",
    "AdminKey",
    "KeyCheck",
    "ReadKey",
    "WriteKey",
    "authorize",
    "inline_key",
    "key_scheme",
    "parse_api_keys",
]

ROLES = {"read": 1, "write": 2, "admin": 3}
HEADER = "X-API-Key"
INLINE_KEY = "x-sentinel-key"  # openapi_extra marker of an inline check, replaced by service.openapi
_header = APIKeyHeader(name=HEADER, auto_error=False, description="an API key from SENTINEL_API_KEYS")


def parse_api_keys(text: str | None) -> list[tuple[bytes, str]]:
    """``"secret1:write,secret2:read"`` -> [(b"secret1", "write"), ...]; InvalidInput on a bad entry."""
    keys = []
    for entry in filter(None, (part.strip() for part in (text or "").split(","))):
        key, sep, role = entry.rpartition(":")
        if not sep or not key or role not in ROLES:
            raise InvalidInput(
                "SENTINEL_API_KEYS: each entry must be KEY:ROLE with ROLE one of read, write, admin "
                f"(got an entry ending in {entry[-6:]!r})"
            )
        keys.append((key.encode(), role))
    return keys


def _role_of(presented: str, keys: list[tuple[bytes, str]]) -> str | None:
    role = None
    for key, key_role in keys:  # no early exit: every key is compared
        if hmac.compare_digest(presented.encode(), key):
            role = key_role
    return role


def authorize(api_key: str | None, keys: list[tuple[bytes, str]], minimum: str) -> str:
    """The role of ``api_key``; Unauthorized (401) without a known key, Forbidden (403) below ``minimum``."""
    if not api_key:
        raise Unauthorized(f"missing {HEADER} header: send a key configured in SENTINEL_API_KEYS")
    role = _role_of(api_key, keys)
    if role is None:
        raise Unauthorized("unknown API key")
    if ROLES[role] < ROLES[minimum]:
        raise Forbidden(f"this API key has role {role!r}; this endpoint needs {minimum!r}")
    return role


class KeyCheck:
    """The dependency behind ``ReadKey``/``WriteKey``/``AdminKey``: what it needs is readable by
    ``service.openapi``. ``read``: waived unless ``SENTINEL_REQUIRE_AUTH_FOR_READS``."""

    def __init__(self, minimum: str, *, read: bool = False) -> None:
        self.minimum = minimum
        self.read = read

    async def __call__(self, request: Request, api_key: Annotated[str | None, Depends(_header)]) -> str | None:
        services = services_of(request.app)  # read directly: a sub-dependency would cost every request
        if self.read and not services.settings.require_auth_for_reads:
            return None
        return authorize(api_key, services.api_keys, self.minimum)


def key_scheme() -> tuple[str, dict[str, Any]]:
    """The security scheme's name and its OpenAPI object, as FastAPI writes it for ``_header``."""
    return _header.scheme_name, _header.model.model_dump(mode="json", by_alias=True, exclude_none=True)


def inline_key(minimum: str, *, read: bool = False) -> dict[str, Any]:
    """``openapi_extra`` of a route that calls :func:`authorize` itself, so its document says so too."""
    return {INLINE_KEY: {"minimum": minimum, "read": read}}


ReadKey = Annotated[str | None, Depends(KeyCheck("read", read=True))]
WriteKey = Annotated[str | None, Depends(KeyCheck("write"))]
AdminKey = Annotated[str | None, Depends(KeyCheck("admin"))]

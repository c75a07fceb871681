"""API keys: ``X-API-Key`` checked against ``SENTINEL_API_KEYS`` ("key:role,key:role").

Roles nest: admin ⊇ write ⊇ read. No key or an unknown key -> 401; a key whose role is too low
-> 403. Read endpoints are open unless ``SENTINEL_REQUIRE_AUTH_FOR_READS=true``. Keys are compared
with ``hmac.compare_digest`` against every configured key, so timing reveals nothing.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from models.errors import Forbidden, InvalidInput, Unauthorized
from service.deps import services_of

__all__ = ["ROLES", "AdminKey", "ReadKey", "WriteKey", "parse_api_keys"]

ROLES = {"read": 1, "write": 2, "admin": 3}
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="an API key from SENTINEL_API_KEYS")


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


def _require(minimum: str, *, read: bool = False):  # type: ignore[no-untyped-def]
    async def check(request: Request, api_key: Annotated[str | None, Depends(_header)]) -> str | None:
        services = services_of(request.app)  # read directly: a sub-dependency would cost every request
        if read and not services.settings.require_auth_for_reads:
            return None
        if not api_key:
            raise Unauthorized("missing X-API-Key header: send a key configured in SENTINEL_API_KEYS")
        role = _role_of(api_key, services.api_keys)
        if role is None:
            raise Unauthorized("unknown API key")
        if ROLES[role] < ROLES[minimum]:
            raise Forbidden(f"this API key has role {role!r}; this endpoint needs {minimum!r}")
        return role

    return check


ReadKey = Annotated[str | None, Depends(_require("read", read=True))]
WriteKey = Annotated[str | None, Depends(_require("write"))]
AdminKey = Annotated[str | None, Depends(_require("admin"))]

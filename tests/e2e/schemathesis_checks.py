"""Schemathesis hooks for tests/e2e/test_schemathesis.py (loaded by the schemathesis process).

Schemathesis' own ``positive_data_acceptance`` wants a 2xx (or 401/403/404) for every request its
document calls valid. This service also answers 422 for valid-looking requests whose values the
served model cannot answer for (a period outside history + horizon, a horizon beyond the trained
one, an unknown KRI or a series the model lacks): that is data, not schema, and its error code is
``invalid_input`` or ``out_of_range``. So the test lets 422 through that check and this one holds the
line where it matters: ``invalid_request`` means the server's own schema validation refused the
request, so the document failed to state a rule it enforces.
"""

from __future__ import annotations

import json

import schemathesis

# Rules that JSON Schema cannot state (they compare two values of one request).
INEXPRESSIBLE = ("is before start",)


@schemathesis.check
def valid_requests_pass_validation(ctx, response, case):
    """A request the document calls valid never fails the server's schema validation (422 invalid_request)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None  # status and content-type conformance report a body that is not JSON
    detail = str(body.get("detail", ""))
    if body.get("error") == "invalid_request" and not any(fragment in detail for fragment in INEXPRESSIBLE):
        raise AssertionError(f"a request valid by the document failed the server's validation: {detail}")
    return None

"""Bodies shared across resources: the error body every route answers with and the error responses
routes declare (``error_responses``), the base of every request body (``RequestBody``: strict
JSON types, no unknown keys), and how a request names a period (``PeriodFields``) and whose sales
it is about (``Subject``; both: ``SubjectFields``).

What the validators enforce across fields ("exactly one of series_id, group or total", "period, or
start and end, not both") is also written into the JSON Schema (``oneOf``), so the OpenAPI document
states every rule a generated client or a fuzzer must follow; tests/e2e/test_schemathesis.py holds
the server to it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = [
    "PERIOD_PATTERN",
    "Day",
    "ErrorBody",
    "Integer",
    "PositiveInteger",
    "Moment",
    "PeriodFields",
    "PeriodName",
    "RequestBody",
    "Subject",
    "SubjectFields",
    "error_responses",
    "require_one_of",
]


class ErrorBody(BaseModel):
    error: str = Field(examples=["not_found"])
    detail: str = Field(examples=["unknown series 'store-99'"])


_ERRORS = {
    401: "unauthorized: no X-API-Key header, or a key not in SENTINEL_API_KEYS",
    403: "forbidden: the key's role is below what this operation needs",
    404: "not_found: an unknown series, group column or value, target or KRI (the detail lists what exists)",
    422: "invalid_request: the body is not JSON or breaks the schema (the detail names the field); "
    "invalid_input or out_of_range: a value the served model cannot answer for (e.g. a period "
    "outside history + horizon, a horizon beyond the trained one)",
    503: "not_ready: no model of the family this operation needs is loaded yet",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the ``ErrorBody`` it answers and what it means.

    Routes leave out 401 and 403: ``service.openapi`` adds them from the route's key, per Settings.
    """
    return {status: {"model": ErrorBody, "description": _ERRORS[status]} for status in statuses}


def require_one_of(schema: JsonSchemaValue, *choices: dict[str, Any]) -> None:
    """Add "exactly one of these shapes" to an object schema (``allOf`` keeps earlier rules)."""
    schema.setdefault("allOf", []).append({"oneOf": list(choices)})


def _given(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": [name], "properties": {name: schema}}


def _absent(*names: str) -> dict[str, Any]:
    """Each of ``names`` is left out or null."""
    return {"properties": {name: {"type": "null"} for name in names}}


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"required": [], "properties": {}}
    for part in parts:
        out["required"] += part.get("required", [])
        out["properties"] |= part["properties"]
    if not out["required"]:
        del out["required"]
    return out


class RequestBody(BaseModel):
    """A request body: unknown keys are refused and JSON types are taken as written (``"5"`` is not
    a number, ``0`` is not ``false``), so the server accepts exactly what its schema describes."""

    model_config = ConfigDict(extra="forbid", strict=True)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_text(value: object) -> object:
    # Strict types hold for JSON numbers and flags; a date is written as text, YYYY-MM-DD (pydantic
    # alone would also read a Unix time or a datetime at midnight as a date).
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _json_integer(value: object) -> object:
    # JSON Schema counts 120.0 an integer, so pydantic's lax mode reads it (strict would refuse it);
    # text and flags are still refused.
    if isinstance(value, str | bool):
        raise ValueError("an integer is written as a JSON number")
    return value


def _moment_text(value: object) -> object:
    if isinstance(value, str | dt.datetime):
        return value
    raise ValueError("a timestamp is written as ISO 8601 text, e.g. 2026-11-22T09:00:00Z")


Day = Annotated[dt.date, Field(strict=False), BeforeValidator(_date_text)]
Integer = Annotated[int, Field(strict=False), BeforeValidator(_json_integer)]
# A constraint must come before the BeforeValidator to reach the JSON Schema (after it, pydantic
# writes an unknown "ge" key that no client reads), so an optional bounded integer is spelled out.
PositiveInteger = Annotated[int, Field(strict=False, ge=1), BeforeValidator(_json_integer)]
Moment = Annotated[dt.datetime, Field(strict=False), BeforeValidator(_moment_text)]

# The names models.planning.periods.parse_period reads, as one pattern that Python and the
# ECMA-262 regexes of JSON Schema read alike ([0-9], not \d, which is any Unicode digit in Python).
# The server checks it too: a name the document refuses is refused, so the two agree.
PERIOD_PATTERN = (
    r"^(?:[Ff][Yy])?[0-9]{4}(?:-[Qq][1-4])?$|^[0-9]{4}-(?:0[1-9]|1[0-2])$|^[0-9]{4}-[Ww](?:0[1-9]|[1-4][0-9]|5[0-3])$"
)
_PERIOD = re.compile(PERIOD_PATTERN)
_FORMS = "YYYY (fiscal year), YYYY-Qn (fiscal quarter, n=1..4), YYYY-MM (month) or YYYY-Www (ISO week)"


def _period_name(value: str) -> str:
    if not _PERIOD.fullmatch(value):
        raise ValueError(f"malformed period {value!r}: use {_FORMS}")
    return value


PeriodName = Annotated[str, AfterValidator(_period_name), WithJsonSchema({"type": "string", "pattern": PERIOD_PATTERN})]


class PeriodFields(RequestBody):
    """A period: a name (``2027-Q1``, ``2027-03``, ``2027``, ``2027-W05``) or inclusive start and end."""

    period: PeriodName | None = Field(
        None, description="named period: YYYY (fiscal year), YYYY-Qn (fiscal quarter), YYYY-MM, YYYY-Www (ISO week)"
    )
    start: Day | None = Field(None, description="first day of the period (inclusive)")
    end: Day | None = Field(None, description="last day of the period (inclusive), not before start")

    @model_validator(mode="after")
    def _one_period(self) -> PeriodFields:
        if self.period is not None and (self.start is not None or self.end is not None):
            raise ValueError("give either period or start and end, not both")
        if self.period is None and (self.start is None or self.end is None):
            raise ValueError("a period is needed: period (e.g. 2027-Q1) or both start and end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        require_one_of(
            handler.resolve_ref_schema(schema),
            _merge(_given("period", {"type": "string"}), _absent("start", "end")),
            _merge(_given("start", {"type": "string"}), _given("end", {"type": "string"}), _absent("period")),
        )
        return schema


class Subject(RequestBody):
    """Whose sales: one series, a group of series (``{}`` = all), or the total."""

    series_id: str | None = Field(None, min_length=1)
    group: dict[str, str] | None = Field(
        None, description='series whose attributes match every key, e.g. {"region": "North"}; {} = every series'
    )
    total: bool = Field(False, description="every series together (same as group {})")

    @model_validator(mode="after")
    def _one_subject(self) -> Subject:
        given = [
            n
            for n, v in (("series_id", self.series_id), ("group", self.group), ("total", self.total))
            if v is not None and v is not False
        ]
        if len(given) != 1:
            raise ValueError(
                "name exactly one of series_id, group or total" + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = super().__get_pydantic_json_schema__(core_schema, handler)
        not_total = {"properties": {"total": {"const": False}}}
        require_one_of(
            handler.resolve_ref_schema(schema),
            _merge(_given("series_id", {"type": "string"}), _absent("group"), not_total),
            _merge(_given("group", {"type": "object"}), _absent("series_id"), not_total),
            _merge(_given("total", {"const": True}), _absent("series_id", "group")),
        )
        return schema


# PeriodFields last: pydantic lays out fields and runs validators from the last base to the first,
# so the period comes first in /docs and its problems are reported first.
class SubjectFields(Subject, PeriodFields):
    """Whose sales over which period."""

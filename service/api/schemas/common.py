"""Bodies shared across resources: the error body every route answers with, and how a request
names a period (``PeriodFields``) and whose sales it is about (``Subject``; both: ``SubjectFields``)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field, model_validator

__all__ = ["ErrorBody", "PeriodFields", "Subject", "SubjectFields"]


class ErrorBody(BaseModel):
    error: str = Field(examples=["not_found"])
    detail: str = Field(examples=["unknown series 'store-99'"])


class PeriodFields(BaseModel):
    """A period: a name (``2027-Q1``, ``2027-03``, ``2027``, ``2027-W05``) or inclusive start and end."""

    period: str | None = Field(
        None, description="named period: YYYY (fiscal year), YYYY-Qn (fiscal quarter), YYYY-MM, YYYY-Www (ISO week)"
    )
    start: dt.date | None = Field(None, description="first day of the period (inclusive)")
    end: dt.date | None = Field(None, description="last day of the period (inclusive)")

    @model_validator(mode="after")
    def _one_period(self) -> PeriodFields:
        if self.period is not None and (self.start is not None or self.end is not None):
            raise ValueError("give either period or start and end, not both")
        if self.period is None and (self.start is None or self.end is None):
            raise ValueError("a period is needed: period (e.g. 2027-Q1) or both start and end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class Subject(BaseModel):
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


# PeriodFields last: pydantic lays out fields and runs validators from the last base to the first,
# so the period comes first in /docs and its problems are reported first.
class SubjectFields(Subject, PeriodFields):
    """Whose sales over which period."""

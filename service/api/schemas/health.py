"""Bodies of ``GET /healthz`` and ``GET /readyz`` (whose 503 is an ``ErrorBody``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["Health", "Readiness"]


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready"]
    forecast_version: str = Field(description="the champion forecast model being served")

"""``POST /admin/reload``: what the operator's reload did."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["ReloadResponse"]


class ReloadResponse(BaseModel):
    changed: bool = Field(description="a new champion went live with this call")
    versions: dict[str, str] = Field(description="model family -> version served after the call")
    error: str | None = Field(None, description="why the last load failed (the old model kept serving)")

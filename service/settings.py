"""Service settings, read from ``SENTINEL_*`` environment variables (never at import time)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENTINEL_", extra="ignore")

    registry: Path = Field(Path("var/registry"), description="model registry root")
    verdict_likely: float = Field(0.7, description="P(reach target) at or above which the verdict is 'likely'")
    verdict_stretch: float = Field(0.3, description="P(reach target) at or above which the verdict is 'stretch'")
    reload_interval_seconds: float = Field(30.0, ge=0, description="champion polling period; 0 disables polling")
    churn_segment: str | None = Field(
        None, description="column GET /v1/churn/summary breaks revenue at risk down by (default: as trained)"
    )
    public_url: str | None = Field(None, description="base URL the service is reached at (for links)")


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Settings of sales-sentinel, read from ``SENTINEL_*`` environment variables (never at import time).

The one source of configuration: the service reads it through ``get_settings()`` and the
``sentinel`` CLI through ``Settings()`` (its flags override it), so every default is written here
once. Importing this module loads pydantic only, never FastAPI.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_KRI_CONFIG", "Settings", "get_settings"]

DEFAULT_KRI_CONFIG = Path(__file__).with_name("kri") / "default.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SENTINEL_", extra="ignore")

    registry: Path = Field(Path("var/registry"), description="model registry root")
    dask_scheduler: str | None = Field(
        None, description="tcp://HOST:PORT of a Dask cluster that training fits series on (default: local processes)"
    )
    verdict_likely: float = Field(0.7, description="P(reach target) at or above which the verdict is 'likely'")
    verdict_stretch: float = Field(0.3, description="P(reach target) at or above which the verdict is 'stretch'")
    reload_interval_seconds: float = Field(30.0, ge=0, description="champion polling period; 0 disables polling")
    churn_records_cap: int = Field(
        100_000, ge=1, description="churn scores (latest per customer) and outcomes kept, each; the oldest go first"
    )
    churn_segment: str | None = Field(
        None, description="column GET /v1/churn/summary breaks revenue at risk down by (default: as trained)"
    )
    public_url: str | None = Field(None, description="base URL the service is reached at (for links)")
    database_url: str = Field(
        "sqlite:///var/sentinel.db", description="SQLAlchemy URL (sqlite:/// or postgresql+psycopg://)"
    )
    kri_config: Path = Field(DEFAULT_KRI_CONFIG, description="KRI definitions (YAML)")
    kri_eval_interval_seconds: float = Field(15.0, gt=0, description="period of KRI evaluation")
    alertmanager_url: str | None = Field(None, description="Alertmanager base URL, e.g. http://127.0.0.1:9093")
    webhook_urls: str = Field("", description="comma-separated webhook URLs receiving alert notifications")
    webhook_secret: SecretStr | None = Field(None, description="HMAC-SHA256 key signing webhook bodies")
    alert_resend_seconds: float = Field(60.0, gt=0, description="how often firing alerts are resent to Alertmanager")
    alert_resolved_resend_seconds: float = Field(300.0, ge=0, description="how long resolutions are resent")
    delivery_interval_seconds: float = Field(1.0, gt=0, description="how often the outbox is checked")
    delivery_backoff_base_seconds: float = Field(1.0, gt=0, description="first retry delay")
    delivery_backoff_cap_seconds: float = Field(60.0, gt=0, description="longest retry delay")
    api_keys: SecretStr = Field(SecretStr(""), description="KEY:ROLE entries, comma-separated (read, write, admin)")
    fiscal_year_start_month: int = Field(1, ge=1, le=12, description="first month of the fiscal year (1 = January)")
    require_auth_for_reads: bool = Field(False, description="require an API key on read endpoints too")
    opentelemetry: bool = Field(
        False, description="FastAPI's OpenTelemetry traces/metrics/logs to the globally configured providers"
    )

    def webhook_url_list(self) -> tuple[str, ...]:
        return tuple(u.strip() for u in self.webhook_urls.split(",") if u.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()

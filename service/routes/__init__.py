"""One APIRouter per resource."""

from service.routes import admin, alerts, churn, feasibility, forecast, health, kri, metrics, series

__all__ = ["admin", "alerts", "churn", "feasibility", "forecast", "health", "kri", "metrics", "series"]

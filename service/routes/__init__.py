"""One APIRouter per resource."""

from service.routes import admin, alerts, feasibility, forecast, health, kri, metrics, series

__all__ = ["admin", "alerts", "feasibility", "forecast", "health", "kri", "metrics", "series"]

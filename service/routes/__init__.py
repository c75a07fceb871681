"""One APIRouter per resource."""

from service.routes import alerts, feasibility, forecast, health, kri, metrics, series

__all__ = ["alerts", "feasibility", "forecast", "health", "kri", "metrics", "series"]

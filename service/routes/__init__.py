"""One APIRouter per resource."""

from service.routes import alerts, churn, feasibility, forecast, health, kri, metrics, series

__all__ = ["alerts", "churn", "feasibility", "forecast", "health", "kri", "metrics", "series"]

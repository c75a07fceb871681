"""One APIRouter per resource."""

from service.routes import churn, feasibility, forecast, health, metrics, series

__all__ = ["churn", "feasibility", "forecast", "health", "metrics", "series"]

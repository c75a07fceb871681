"""One APIRouter per resource."""

from service.routes import feasibility, forecast, health, metrics, series

__all__ = ["feasibility", "forecast", "health", "metrics", "series"]

"""One APIRouter per resource."""

from service.routes import actuals, alerts, feasibility, forecast, health, kri, metrics, series, targets

__all__ = ["actuals", "alerts", "feasibility", "forecast", "health", "kri", "metrics", "series", "targets"]

"""One APIRouter per resource (series, forecast, feasibility, actuals, targets, churn, kri, alerts,
health, metrics, admin); ``schemas/`` holds the request and response bodies, one module per router.
"""

from service.api import (
    actuals,
    admin,
    alerts,
    churn,
    feasibility,
    forecast,
    health,
    kri,
    metrics,
    series,
    targets,
)

__all__ = [
    "actuals",
    "admin",
    "alerts",
    "churn",
    "feasibility",
    "forecast",
    "health",
    "kri",
    "metrics",
    "series",
    "targets",
]

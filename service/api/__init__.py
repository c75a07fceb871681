"""One APIRouter per resource."""

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

"""One APIRouter per resource (series, forecast, fan, feasibility, solve, actuals, plan, targets, churn, kri,
alerts, models, monitoring, health, metrics, admin); ``schemas/`` holds the request and response
bodies, one module per router.
"""

from service.api import (
    actuals,
    admin,
    alerts,
    churn,
    fan,
    feasibility,
    forecast,
    health,
    kri,
    metrics,
    models,
    monitoring,
    plan,
    series,
    solve,
    targets,
)

__all__ = [
    "actuals",
    "admin",
    "alerts",
    "churn",
    "fan",
    "feasibility",
    "forecast",
    "health",
    "kri",
    "metrics",
    "models",
    "monitoring",
    "plan",
    "series",
    "solve",
    "targets",
]

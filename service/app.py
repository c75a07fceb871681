"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from models.feasibility import VerdictCutoffs
from models.registry import Registry
from service import routes
from service.errors import install_error_handlers
from service.metrics import Metrics, MetricsMiddleware
from service.settings import Settings, get_settings
from service.state import ModelStore

__all__ = ["create_app"]

log = logging.getLogger(__name__)

DESCRIPTION = """
Sales forecasts and target feasibility from Prophet models trained per series.

* `POST /v1/feasibility`: how likely is a sales target over a period?
* `GET /v1/forecast/{series_id}`: point forecast and interval per period.
* `GET /v1/series`: what the served model covers.
* `POST /v1/churn/score`: calibrated churn probability, risk band and top drivers per customer.
* `GET /v1/churn/summary`: revenue at risk of the customer base, overall and by segment.
"""


async def _poll_champion(store: ModelStore, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        await asyncio.to_thread(store.reload)


def create_app(settings: Settings | None = None, metrics: Metrics | None = None) -> FastAPI:
    """Build the service; models are loaded in the lifespan, not here."""
    settings = settings or get_settings()
    metrics = metrics or Metrics()
    cutoffs = VerdictCutoffs(likely=settings.verdict_likely, stretch=settings.verdict_stretch)
    store = ModelStore(Registry(settings.registry), metrics, settings.churn_segment)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(store.reload)
        if store.forecast is None:
            log.warning("not ready: %s", store.last_error)
        if store.churn is None:
            log.warning("churn endpoints unavailable: %s", store.churn_error)
        poller = (
            asyncio.create_task(_poll_champion(store, settings.reload_interval_seconds))
            if settings.reload_interval_seconds > 0
            else None
        )
        try:
            yield
        finally:
            if poller:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller

    app = FastAPI(title="sales-sentinel", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.models = store
    app.state.cutoffs = cutoffs
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    # Starlette matches routes in order: the hot ones first, FastAPI's docs routes last.
    for module in (routes.feasibility, routes.health, routes.forecast, routes.series, routes.churn, routes.metrics):
        app.include_router(module.router)
    docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.router.routes.sort(key=lambda route: getattr(route, "path", None) in docs)
    return app

"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from models.kri.config import load_kri_file
from models.planning.feasibility import VerdictCutoffs
from models.registry import Registry
from service import api
from service.accountability import Accountability
from service.auth import parse_api_keys
from service.db import engine as db
from service.db.churn_store import ChurnStore
from service.db.kri_store import KriStore
from service.db.lease import lease_for
from service.db.monitoring_store import MonitoringStore
from service.db.planning_store import PlanningStore
from service.deps import Services
from service.http_errors import install_error_handlers
from service.kri.accountability import accountability_providers
from service.kri.delivery import Deliverer, DeliveryConfig
from service.kri.engine import KriEngine
from service.kri.leadership import Leadership
from service.kri.sources import TargetAttainment, build_providers
from service.model_store import ModelStore
from service.openapi import document_api
from service.settings import Settings, get_settings
from service.telemetry import Metrics, MetricsMiddleware
from service.web import pages

__all__ = ["create_app"]

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 10.0  # at shutdown, how long background loops get to stop after cancellation

DESCRIPTION = """
Sales forecasts, target feasibility and KRI alerting from Prophet models trained per series.

* `POST /v1/feasibility`: how likely is a sales target over a period?
* `POST /v1/feasibility/curve`: how likely is each target over a range?
* `POST /v1/feasibility/solve`: what change of a driver (promotions, a price) would reach a probability?
* `GET /v1/forecast/{series_id}`: point forecast and interval per period.
* `POST /v1/fan`: fan chart of a series, a group or the total (history, actuals, 50/80/95% bands).
* `GET /v1/series`, `GET /v1/groups`: what the served model covers.
* `GET /v1/models`: the served model versions, when they were trained, and the last retrain.
* `POST /v1/actuals`: record sales after training; feasibility then paces targets against them.
* `GET /v1/plan/{series_id}`, `PUT /v1/plan`: the drivers' plan, and planned values replaced without retraining.
* `POST /v1/targets/decompose`, `POST|GET|DELETE /v1/targets`: split and register targets.
* `GET /v1/kri`, `POST /v1/kri/observations`, `GET /v1/alerts`: key risk indicators and their alerts.
* `POST /v1/churn/score`: calibrated churn probability, risk band and top drivers per customer.
* `GET /v1/churn/summary`: revenue at risk of the customer base, overall and by segment.
* `POST /v1/churn/outcomes`: who churned, resolving the scores given; realised AUC in the monitoring answer.
* `GET /v1/monitoring`: how the served forecasts and target probabilities came true (coverage, PIT, Brier).
"""


async def _poll_champion(store: ModelStore, interval: float, wake: asyncio.Event) -> None:
    while True:
        await asyncio.sleep(interval)
        if await asyncio.to_thread(store.reload):
            wake.set()  # a new model: re-evaluate the model-derived KRIs now


async def _woken_or_timed_out(wake: asyncio.Event, interval: float) -> None:
    """Wait for ``wake`` at most ``interval`` seconds, then clear it.

    ``asyncio.timeout``, not ``asyncio.wait_for``: on Python 3.11 ``wait_for`` can swallow a
    cancellation that arrives as the event fires, and a loop that misses its cancellation keeps
    the service's shutdown waiting for ever (seen in CI under load).
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(interval):
            await wake.wait()
    wake.clear()


async def _evaluate_kris(leadership: Leadership, interval: float, wake: asyncio.Event, deliver: asyncio.Event) -> None:
    """Every ``interval`` or when woken: the lease holder evaluates, the others follow."""
    while True:
        await _woken_or_timed_out(wake, interval)
        try:
            if await asyncio.to_thread(leadership.tick):
                deliver.set()
        except Exception:  # noqa: BLE001 - a failed evaluation (e.g. database down) is retried next tick
            log.exception("KRI evaluation failed; retrying in %.0fs", interval)


async def _watch_inputs(leadership: Leadership, interval: float, wake: asyncio.Event) -> None:
    """The holder evaluates within ``interval`` what was pushed to any other process."""
    while True:
        await asyncio.sleep(interval)
        if not leadership.held:
            continue
        try:
            if await asyncio.to_thread(leadership.inputs_changed):
                wake.set()
        except Exception:  # noqa: BLE001 - the regular tick evaluates anyway
            log.warning("checking for new KRI inputs failed", exc_info=True)


async def _deliver_alerts(deliverer: Deliverer, leadership: Leadership, interval: float, wake: asyncio.Event) -> None:
    while True:
        await _woken_or_timed_out(wake, interval)
        if not leadership.held:
            continue
        try:
            if await asyncio.to_thread(leadership.may_deliver):
                await deliverer.deliver_due(dt.datetime.now(dt.UTC))
        except Exception:  # noqa: BLE001 - the rows stay in the outbox; try again next tick
            log.exception("alert delivery pass failed")


def create_app(settings: Settings | None = None, metrics: Metrics | None = None) -> FastAPI:
    """Build the service; the KRI config is validated here, models load in the lifespan."""
    settings = settings or get_settings()
    metrics = metrics or Metrics()
    cutoffs = VerdictCutoffs(likely=settings.verdict_likely, stretch=settings.verdict_stretch)
    store = ModelStore(Registry(settings.registry), metrics, settings.churn_segment)
    kris = load_kri_file(settings.kri_config)
    api_keys = parse_api_keys(settings.api_keys.get_secret_value())
    database = db.connect(settings.database_url)
    kri_store = KriStore(database)
    delivery = DeliveryConfig(
        alertmanager_url=settings.alertmanager_url,
        webhook_urls=settings.webhook_url_list(),
        webhook_secret=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
        external_url=settings.public_url or "http://127.0.0.1:8000",
        resend_seconds=settings.alert_resend_seconds,
        resolved_resend_seconds=settings.alert_resolved_resend_seconds,
        backoff_base_seconds=settings.delivery_backoff_base_seconds,
        backoff_cap_seconds=settings.delivery_backoff_cap_seconds,
    )
    planning = PlanningStore(database)
    accountability = Accountability(MonitoringStore(database), store, planning, cutoffs, metrics)
    churn_records = ChurnStore(database, settings.churn_records_cap)
    providers = build_providers(
        store, actuals=planning, targets=TargetAttainment(store, planning, cutoffs), churn=churn_records
    )
    providers |= accountability_providers(store, accountability)
    engine = KriEngine(kris, kri_store, providers, delivery, metrics)
    services = Services(
        settings=settings,
        metrics=metrics,
        models=store,
        cutoffs=cutoffs,
        api_keys=api_keys,
        kri_engine=engine,
        kri_store=kri_store,
        planning=planning,
        accountability=accountability,
        churn_records=churn_records,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(db.upgrade, database)
        await asyncio.to_thread(planning.refresh)
        await asyncio.to_thread(store.reload)
        if store.forecast is None:
            log.warning("not ready: %s", store.last_error)
        if store.churn is None:
            log.warning("churn endpoints unavailable: %s", store.churn_error)
        # Every process serves requests; KRI evaluation and alert delivery run in the one that
        # holds the lease (several workers or replicas share the database).
        leadership = Leadership(
            lease_for(database), engine, kri_store, planning, delivery.receivers, metrics, accountability
        )
        wake, deliver = services.kri_wake.bind(), asyncio.Event()
        wake.set()  # first tick right away (also after each model reload)
        client = httpx.AsyncClient()
        deliverer = Deliverer(kri_store, delivery, metrics, client)
        tasks = [
            asyncio.create_task(_evaluate_kris(leadership, settings.kri_eval_interval_seconds, wake, deliver)),
            asyncio.create_task(_watch_inputs(leadership, settings.delivery_interval_seconds, wake)),
            asyncio.create_task(_deliver_alerts(deliverer, leadership, settings.delivery_interval_seconds, deliver)),
        ]
        if settings.reload_interval_seconds > 0:
            tasks.append(asyncio.create_task(_poll_champion(store, settings.reload_interval_seconds, wake)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            # Bounded: a pass running in a worker thread finishes on its own; shutdown does not wait on it.
            _, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_SECONDS)
            if pending:
                log.warning("%d background task(s) still running at shutdown", len(pending))
            await asyncio.to_thread(leadership.release)  # a follower takes over at its next tick
            await client.aclose()
            database.dispose()

    # Prometheus on /metrics is the service's own telemetry; FastAPI's OpenTelemetry hooks
    # (checked on every request) are opt-in.
    otel = settings.opentelemetry
    app = FastAPI(
        title="sales-sentinel",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        telemetry={"tracing": otel, "metrics": otel, "logs": otel},
    )
    app.state.services = services  # the one attribute: routes reach it through service.deps
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    # Starlette matches routes in order: the hot ones first, FastAPI's docs routes last.
    for module in (
        api.feasibility,
        api.solve,
        api.health,
        api.forecast,
        api.fan,
        api.series,
        api.churn,
        api.actuals,
        api.plan,
        api.targets,
        api.kri,
        api.alerts,
        api.models,
        api.monitoring,
        api.metrics,
        api.admin,
    ):
        app.include_router(module.router)
    app.include_router(pages.router)  # the planner's web app under /app/
    app.mount("/app/static", pages.static_files(), name="static")
    docs = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    app.router.routes.sort(key=lambda route: getattr(route, "path", None) in docs)
    document_api(app)  # the document states each route's key (per settings) and every status it answers
    return app

"""The app's collaborators in one typed object, and the ``Annotated`` aliases routes reach them by.

``create_app`` builds one :class:`Services` and stores it as ``app.state.services``, the only
attribute on ``app.state``. Routes never read ``app.state`` themselves: they name what they need
(``model: Forecasts``, ``planning: Planning``), so a signature reads like prose and shows every
collaborator of its route.

The dependencies are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in the thread
pool, and those hops cost more than the feasibility computation itself. Each one still costs some
microseconds per request, so the feasibility hot path takes the whole :class:`Services` in one.

FastAPI resolves dependencies in signature order, and all of them before it validates the query and
body. So routes name their API key first, and ``Forecasts`` (the one alias that raises: 503 until a
model is loaded) only where nothing else is validated; a route with a body takes ``Store`` and calls
``require_forecast()`` itself, so a bad request is still a 422 while the service is not ready.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from starlette.applications import Starlette

from models.forecast.model import ForecastModel
from models.planning.feasibility import VerdictCutoffs
from models.planning.pace import SpreadCache
from service.accountability import Accountability
from service.db.churn_store import ChurnStore
from service.db.kri_store import KriStore
from service.db.planning_store import PlanningStore
from service.kri.engine import KriEngine
from service.model_store import ModelStore
from service.settings import Settings
from service.telemetry import Metrics

__all__ = [
    "Accounts",
    "AllServices",
    "ChurnRecords",
    "Config",
    "Cutoffs",
    "Forecasts",
    "KriRecords",
    "KriWake",
    "Kris",
    "Planning",
    "Services",
    "Store",
    "Telemetry",
    "Wake",
    "services_of",
]


class KriWake:
    """Asks the KRI loop to evaluate now (new observations, actuals, targets or model).

    One object for the app's life. Each lifespan binds a fresh ``asyncio.Event`` to its own event
    loop (an Event belongs to the loop that first waits on it, and a test may start an app twice),
    and ``set()`` from a sync route's worker thread is handed to that loop with
    ``call_soon_threadsafe``, since ``asyncio.Event`` itself is not thread-safe.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self) -> asyncio.Event:
        """A fresh event for the running loop, for the evaluation loop to wait on."""
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        return self._event

    def set(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or _running_loop() is loop:
            self._event.set()
        else:
            loop.call_soon_threadsafe(self._event.set)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # a worker thread
        return None


@dataclass(frozen=True, slots=True)
class Services:
    """Everything the routes work with, built once per app by ``create_app``."""

    settings: Settings
    metrics: Metrics
    models: ModelStore
    cutoffs: VerdictCutoffs
    api_keys: list[tuple[bytes, str]]  # parsed SENTINEL_API_KEYS: (key, role)
    kri_engine: KriEngine
    kri_store: KriStore
    planning: PlanningStore
    accountability: Accountability
    churn_records: ChurnStore
    kri_wake: KriWake = field(default_factory=KriWake)
    spreads: SpreadCache = field(default_factory=SpreadCache)  # feasibility's plain period totals, per model


def services_of(app: Starlette) -> Services:
    """The app's :class:`Services`, typed (``app.state`` itself is an untyped bag)."""
    services: Services = app.state.services
    return services


async def _services(request: Request) -> Services:
    return services_of(request.app)


async def _settings(request: Request) -> Settings:
    return services_of(request.app).settings


async def _metrics(request: Request) -> Metrics:
    return services_of(request.app).metrics


async def _store(request: Request) -> ModelStore:
    return services_of(request.app).models


async def _forecast(request: Request) -> ForecastModel:
    return services_of(request.app).models.require_forecast()


async def _cutoffs(request: Request) -> VerdictCutoffs:
    return services_of(request.app).cutoffs


async def _planning(request: Request) -> PlanningStore:
    return services_of(request.app).planning


async def _kri_engine(request: Request) -> KriEngine:
    return services_of(request.app).kri_engine


async def _kri_store(request: Request) -> KriStore:
    return services_of(request.app).kri_store


async def _kri_wake(request: Request) -> KriWake:
    return services_of(request.app).kri_wake


async def _churn_records(request: Request) -> ChurnStore:
    return services_of(request.app).churn_records


async def _accountability(request: Request) -> Accountability:
    return services_of(request.app).accountability


AllServices = Annotated[Services, Depends(_services)]
Config = Annotated[Settings, Depends(_settings)]
Telemetry = Annotated[Metrics, Depends(_metrics)]
Store = Annotated[ModelStore, Depends(_store)]
Forecasts = Annotated[ForecastModel, Depends(_forecast)]  # 503 not_ready until a champion is loaded
Cutoffs = Annotated[VerdictCutoffs, Depends(_cutoffs)]
Planning = Annotated[PlanningStore, Depends(_planning)]
Kris = Annotated[KriEngine, Depends(_kri_engine)]
KriRecords = Annotated[KriStore, Depends(_kri_store)]
Wake = Annotated[KriWake, Depends(_kri_wake)]
Accounts = Annotated[Accountability, Depends(_accountability)]
ChurnRecords = Annotated[ChurnStore, Depends(_churn_records)]

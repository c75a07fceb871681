"""The models a running service holds, and how a new champion replaces them.

A reload loads and verifies the new version fully before swapping one reference, so
requests in flight keep the model they started with, and a failed load (tampered bytes,
missing files) leaves the old model serving. A forecast version's paths are memory-mapped
(``models.forecast.artifact``), so holding the old and the new one during the swap costs page
cache, not a second private copy.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.churn.artifact import load_churn
from models.churn.model import ChurnModel
from models.errors import NoChampion, NotReady
from models.forecast.artifact import load_forecast
from models.forecast.model import ForecastModel
from models.registry import Registry
from service.telemetry import Metrics

__all__ = ["ModelStore"]

log = logging.getLogger(__name__)


_CHURN_HINT = (
    "no churn model is loaded: train one with `sentinel train churn --data customers.csv "
    "--id-col ID --label-col LABEL --value-col MONTHLY_VALUE` (or `make run` for the sample)"
)


class ModelStore:
    """The forecast and churn champions. Readiness follows the forecast model only."""

    def __init__(self, registry: Registry, metrics: Metrics, churn_segment: str | None = None) -> None:
        self.registry = registry
        self.metrics = metrics
        self.churn_segment = churn_segment
        self.forecast: ForecastModel | None = None
        self.churn: ChurnModel | None = None
        self.last_error: str | None = None
        self.churn_error: str | None = None
        self._reload_lock = threading.Lock()

    def require_forecast(self) -> ForecastModel:
        model = self.forecast
        if model is None:
            raise NotReady(self.last_error or "no forecast model is loaded yet")
        return model

    def require_churn(self) -> ChurnModel:
        model = self.churn
        if model is None:
            raise NotReady(_CHURN_HINT + (f" ({self.churn_error})" if self.churn_error else ""))
        return model

    def versions(self) -> dict[str, str]:
        """The version served per model family."""
        served = {"forecast": self.forecast, "churn": self.churn}
        return {family: model.version for family, model in served.items() if model is not None}

    def reload(self) -> bool:
        """Load each champion that changed; True when a new model went live. Never raises.

        Serialised: the poller and ``POST /admin/reload`` may ask at once, and one load is enough.
        """
        with self._reload_lock:
            forecast = self._reload_one("forecast", self.forecast, load_forecast)
            churn = self._reload_one("churn", self.churn, load_churn)
            return forecast or churn

    def _reload_one(self, family: str, current: Any, loader: Callable[[Path, dict[str, Any]], Any]) -> bool:
        error: str | None = None
        try:
            version = self.registry.champion(family)
            if current is not None and current.version == version:
                return False
            directory, manifest = self.registry.open_version(family, version)
            model = loader(directory, manifest)
        except NoChampion as exc:
            error = str(exc)
            model = None
        except Exception as exc:  # noqa: BLE001 - any failure must leave the old model serving
            error = f"loading the {family} champion failed: {exc}"
            self.metrics.reload_failures.labels(family).inc()
            log.error("%s; %s", error, "keeping the current model" if current else "none loaded")
            model = None
        if family == "forecast":
            self.last_error = error
        else:
            self.churn_error = error
        if model is None:
            return False
        if family == "forecast":  # one reference swap: in-flight requests keep the old object
            self.forecast = model
            self.metrics.forecast_loaded(model)
            log.info("serving forecast model %s (%d series)", model.version, len(model.infos))
        else:
            self.churn = model
            self.metrics.churn_loaded(model, model.summary(self.churn_segment))
            log.info("serving churn model %s (%d features)", model.version, len(model.schema.features))
        return True

"""The models a running service holds, and how a new champion replaces them.

A reload loads and verifies the new version fully before swapping one reference, so
requests in flight keep the model they started with, and a failed load (tampered bytes,
missing files) leaves the old model serving.
"""

from __future__ import annotations

import logging
import threading

from models.errors import NoChampion, SentinelError
from models.forecast_model import ForecastModel, load_forecast
from models.registry import Registry
from service.metrics import Metrics

__all__ = ["ModelStore", "NotReady"]

log = logging.getLogger(__name__)


class NotReady(SentinelError):
    """No forecast model is loaded yet."""

    code = "not_ready"


class ModelStore:
    def __init__(self, registry: Registry, metrics: Metrics) -> None:
        self.registry = registry
        self.metrics = metrics
        self.forecast: ForecastModel | None = None
        self.last_error: str | None = None
        self._reload_lock = threading.Lock()

    def require_forecast(self) -> ForecastModel:
        model = self.forecast
        if model is None:
            raise NotReady(self.last_error or "no forecast model is loaded yet")
        return model

    def versions(self) -> dict[str, str]:
        """The version served per model family."""
        return {"forecast": self.forecast.version} if self.forecast else {}

    def reload(self) -> bool:
        """Load the champion if it changed; True when a new model went live. Never raises.

        Serialised: the poller and ``POST /admin/reload`` may ask at once, and one load is enough.
        """
        with self._reload_lock:
            return self._reload()

    def _reload(self) -> bool:
        try:
            version = self.registry.champion("forecast")
            if self.forecast is not None and self.forecast.version == version:
                return False
            directory, manifest = self.registry.open_version("forecast", version)
            model = load_forecast(directory, manifest)
        except NoChampion as exc:
            self.last_error = str(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - any failure must leave the old model serving
            self.last_error = f"loading the forecast champion failed: {exc}"
            self.metrics.reload_failures.labels("forecast").inc()
            log.error("%s; %s", self.last_error, "keeping the current model" if self.forecast else "not ready")
            return False
        self.forecast = model  # one reference swap: in-flight requests keep the old object
        self.last_error = None
        self.metrics.forecast_loaded(model)
        log.info("serving forecast model %s (%d series)", model.version, len(model.infos))
        return True

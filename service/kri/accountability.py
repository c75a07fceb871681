"""Model-derived KRI sources from forecast accountability (``service.accountability``): whether the
served model's stated distributions and probabilities still come true.

* ``forecast_coverage``: share of each group's latest scored actuals inside the central
  ``params.level``% band (default 80); breach ``below``.
* ``forecast_bias``: Σ(yhat − y) / Σ|y| over the same periods (+ = forecasts too high); breach
  ``above`` (or ``below`` for under-forecasts).
* ``target_calibration``: Brier score of the probabilities given for the latest resolved targets
  (``params.window`` targets by period end, default 20), overall and per group value; ``above``.

The forecast sources read, per series, its latest ``params.window`` scored periods (default 28)
and give one reading per group value (label ``<column>=<value>``, every group column or those in
``params.by``), or one overall reading when the model has no groups, once its series have
``params.min_periods`` (default 7) scored periods each on average.
"""

from __future__ import annotations

from collections.abc import Sequence

from models.kri.config import KriDefinition
from service.accountability import Accountability
from service.kri.sources import Reading, SourceProvider, Unavailable
from service.model_store import ModelStore

__all__ = ["ForecastBias", "ForecastCoverage", "TargetCalibration", "accountability_providers"]


def _int(kri: KriDefinition, name: str, default: int) -> int:
    value = kri.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"params.{name} of KRI {kri.name!r} must be a whole number ≥ 1, got {value!r}")
    return value


def _by(kri: KriDefinition) -> Sequence[str] | None:
    by = kri.params.get("by")
    if by is None:
        return None
    return [by] if isinstance(by, str) else [str(col) for col in by]


class _AccountabilitySource:
    def __init__(self, models: ModelStore, accountability: Accountability) -> None:
        self.models = models
        self.accountability = accountability


class _ForecastSource(_AccountabilitySource):
    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        model = self.models.forecast
        if model is None:
            return Unavailable("no forecast model loaded")
        try:
            window, least = _int(kri, "window", 28), _int(kri, "min_periods", 7)
            value = self._value(kri)
        except ValueError as exc:
            return Unavailable(str(exc))
        readings = [
            (labels, v)
            for labels, figures in self.accountability.window_readings(model, window, least, _by(kri))
            if (v := value(figures)) is not None
        ]
        if not readings:
            return Unavailable(f"fewer than {least} scored actuals per series yet (POST /v1/actuals)")
        return readings

    def _value(self, kri: KriDefinition):  # noqa: ANN202 - figures -> value
        raise NotImplementedError


class ForecastCoverage(_ForecastSource):
    def _value(self, kri: KriDefinition):  # noqa: ANN202
        level = int(kri.params.get("level", 80))
        if level not in (50, 80, 95):
            raise ValueError(f"params.level of KRI {kri.name!r} must be 50, 80 or 95, got {level}")
        return lambda figures: figures.coverage[level]


class ForecastBias(_ForecastSource):
    def _value(self, kri: KriDefinition):  # noqa: ANN202
        return lambda figures: figures.bias


class TargetCalibration(_AccountabilitySource):
    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        model = self.models.forecast
        if model is None:
            return Unavailable("no forecast model loaded")
        try:
            window = _int(kri, "window", 20)
        except ValueError as exc:
            return Unavailable(str(exc))
        readings = [
            (labels, figures.brier)
            for labels, figures in self.accountability.target_readings(model, window)
            if figures.brier is not None
        ]
        return readings or Unavailable("no registered target has been resolved yet")


def accountability_providers(models: ModelStore, accountability: Accountability) -> dict[str, SourceProvider]:
    """The providers of the accountability sources, keyed by ``source``."""
    return {
        "forecast_coverage": ForecastCoverage(models, accountability),
        "forecast_bias": ForecastBias(models, accountability),
        "target_calibration": TargetCalibration(models, accountability),
    }

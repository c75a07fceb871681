"""Where model-derived KRI values come from: one provider per source, each returning readings
(label set, value) or ``Unavailable`` with the reason (the KRI then shows ``no_data``).

Providers are looked up by the KRI's ``source``: ``forecast_shortfall`` reads the posted
actuals, ``target_attainment`` the registered targets (the service passes ``TargetAttainment``),
``revenue_at_risk_ratio`` the served churn model, ``churn_calibration`` the churn outcomes
posted (``ChurnCalibration``). A source without its input reports why it has no value rather
than invent one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from models.kri.config import KriDefinition, parse_duration
from models.planning.feasibility import VerdictCutoffs
from models.planning.targets import target_status
from service.db.churn_store import ChurnStore
from service.db.planning_store import PlanningStore
from service.model_store import ModelStore

__all__ = [
    "ActualsSource",
    "ChurnCalibration",
    "ChurnRevenueAtRisk",
    "ForecastShortfall",
    "Reading",
    "SourceProvider",
    "TargetAttainment",
    "Unavailable",
    "build_providers",
]

Reading = tuple[dict[str, str], float]


@dataclass(frozen=True)
class Unavailable:
    reason: str


class SourceProvider(Protocol):
    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        """Current readings of ``kri``, or why there are none."""
        ...


class ActualsSource(Protocol):
    def recent(self, series_id: str, since: dt.date) -> Sequence[tuple[dt.date, float]]:
        """Recorded actual sales of a series on or after ``since``, oldest first."""
        ...

    def available(self) -> str | None:
        """None when actuals can be read, else the reason they cannot."""
        ...


class ForecastShortfall:
    """Per series: how many of the latest periods in a row had actuals below the forecast's lower band.

    ``params.level`` (default 80) picks the central interval whose lower bound counts. Only
    periods inside the forecast horizon count (the history is what the model was fitted on).
    """

    def __init__(self, models: ModelStore, actuals: ActualsSource) -> None:
        self.models = models
        self.actuals = actuals

    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        model = self.models.forecast
        if model is None:
            return Unavailable("no forecast model loaded")
        reason = self.actuals.available()
        if reason:
            return Unavailable(reason)
        level = float(kri.params.get("level", 80))
        readings: list[Reading] = []
        for info in model.infos:
            band = model.forecast(info.series_id, None, level)
            lower: Mapping[dt.date, float] = dict(zip(band["ds"], band["lower"], strict=True))
            recent = [(d, y) for d, y in self.actuals.recent(info.series_id, band["ds"][0]) if d in lower]
            if not recent:
                continue
            run = 0
            for d, y in reversed(recent):
                if y >= lower[d]:
                    break
                run += 1
            readings.append(({"series_id": info.series_id}, float(run)))
        if not readings:
            return Unavailable("no actuals inside the forecast horizon yet")
        return readings


class ChurnRevenueAtRisk:
    """``revenue_at_risk_ratio``: Σ churn probability × monthly value / Σ monthly value of the
    population the churn champion scored at training, overall and per segment (bounded labels)."""

    def __init__(self, models: ModelStore) -> None:
        self._models = models

    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        model = self._models.churn
        if model is None:
            return Unavailable("no churn model loaded: train one with `sentinel train churn`")
        population = model.population
        if "value" not in population:
            return Unavailable("the churn model was trained without --value-col, so revenue at risk is unknown")
        at_risk = population["probability"] * population["value"]
        total = float(population["value"].sum())
        if total <= 0:
            return Unavailable("the scored population has no revenue")
        readings: list[Reading] = [({}, float(at_risk.sum()) / total)]
        segment = self._models.churn_segment or model.segment_col
        column = f"segment:{segment}"
        if segment and column in population:
            frame = population.assign(_at_risk=at_risk)
            for name, group in frame.groupby(column, sort=True):
                value = float(group["value"].sum())
                if value > 0:
                    readings.append(({"segment": str(name)}, float(group["_at_risk"].sum()) / value))
        return readings


class ChurnCalibration:
    """``churn_calibration``: a realised figure of the churn scores resolved by outcomes dated in the
    last ``params.window`` (a duration, default 90d): ``params.metric`` ``ece`` (default; breach
    ``above``), ``brier`` (``above``) or ``roc_auc`` (``below``), once ``params.min_resolved``
    (default 50) outcomes are there. One overall reading."""

    METRICS = ("ece", "brier", "roc_auc")

    def __init__(self, churn: ChurnStore) -> None:
        self.churn = churn

    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        metric, least = kri.params.get("metric", "ece"), kri.params.get("min_resolved", 50)
        if metric not in self.METRICS:
            return Unavailable(f"params.metric of KRI {kri.name!r} must be one of {', '.join(self.METRICS)}")
        if isinstance(least, bool) or not isinstance(least, int) or least < 1:
            return Unavailable(f"params.min_resolved of KRI {kri.name!r} must be a whole number >= 1, got {least!r}")
        try:
            window = parse_duration(kri.params.get("window", "90d"))
        except ValueError as exc:
            return Unavailable(f"params.window of KRI {kri.name!r}: {exc}")
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=window)).date()
        figures = self.churn.figures(since)
        if figures["resolved"] < least:
            return Unavailable(
                f"{figures['resolved']} churn outcome(s) dated since {since}, fewer than {least} "
                "(params.min_resolved); post them with POST /v1/churn/outcomes"
            )
        value = figures[metric]
        if value is None:
            return Unavailable(f"the churn outcomes since {since} are all of one kind, so {metric} is undefined")
        return [({}, float(value))]


class TargetAttainment:
    """Per registered target: the probability of reaching it now (label ``target`` = its name)."""

    def __init__(self, models: ModelStore, planning: PlanningStore, cutoffs: VerdictCutoffs) -> None:
        self.models = models
        self.planning = planning
        self.cutoffs = cutoffs

    def read(self, kri: KriDefinition) -> list[Reading] | Unavailable:
        targets = self.planning.list_targets()
        if not targets:
            return Unavailable("no registered targets (POST /v1/targets)")
        model = self.models.forecast
        if model is None:
            return Unavailable("no forecast model loaded")
        readings: list[Reading] = []
        for target in targets:
            status = target_status(model, target, self.cutoffs, self.planning.posted, self.planning.plans)
            if "probability" in status:
                readings.append(({"target": target.name}, float(status["probability"])))
        if not readings:
            return Unavailable("no registered target can be assessed by the served model")
        return readings


def build_providers(
    models: ModelStore, actuals: ActualsSource, targets: SourceProvider, churn: ChurnStore | None = None
) -> dict[str, SourceProvider]:
    """The provider of each model-derived source, keyed by the ``source`` a KRI names."""
    providers: dict[str, SourceProvider] = {
        "forecast_shortfall": ForecastShortfall(models, actuals),
        "target_attainment": targets,
        "revenue_at_risk_ratio": ChurnRevenueAtRisk(models),
    }
    if churn is not None:
        providers["churn_calibration"] = ChurnCalibration(churn)
    return providers

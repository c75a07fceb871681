"""Forecast accountability in the service: score what the models said against what happened.

* **Posted actuals** are scored as they arrive (``score`` + ``save``, from ``POST /v1/actuals``)
  against the distribution the serving model version gave for their period
  (``models.forecast.monitoring``); a repeat re-scores. The KRI lease holder also scores, on each
  tick, any posted actual that has no score yet (one a stopped process stored but did not score).
* **Registered targets**: the probability given at registration is stored by the process that
  registered it; on every KRI evaluation the lease holder stores each open target's current
  probability (when it changed) and resolves each target whose period is fully recorded
  (``models.planning.resolution``).
* **Figures** (``report``) for ``GET /v1/monitoring``, the KRI sources (``window_readings``) and the
  gauges on ``/metrics`` (``refresh_gauges``, every process, every tick) are computed from the
  database, so every worker answers alike.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from models.errors import SentinelError
from models.forecast.model import ForecastModel
from models.forecast.monitoring import LEVELS, ForecastFigures, score_period, summarise_scores
from models.forecast.scores import seasonal_naive_scale
from models.planning.feasibility import VerdictCutoffs, assess
from models.planning.pace import period_totals, subject_ids
from models.planning.resolution import TargetFigures, TargetRecord, resolve, summarise_targets
from models.planning.targets import StoredTarget
from service.db.monitoring_store import MonitoringStore, ScoreRow, TargetForecast, TargetOutcome
from service.db.planning_store import PlanningStore
from service.model_store import ModelStore
from service.telemetry import Metrics

__all__ = ["Accountability", "Scope", "monitoring_report", "target_records"]

log = logging.getLogger(__name__)
Scope = Callable[[str], bool]  # series id -> inside the scope asked about


class Accountability:
    def __init__(
        self,
        store: MonitoringStore,
        models: ModelStore,
        planning: PlanningStore,
        cutoffs: VerdictCutoffs,
        metrics: Metrics,
    ) -> None:
        self.store = store
        self.models = models
        self.planning = planning
        self.cutoffs = cutoffs
        self.metrics = metrics
        self._scales: dict[tuple[str, str], float] = {}  # (version, series) -> seasonal naive MAE

    # --- scoring ------------------------------------------------------------------------------

    def score(
        self, model: ForecastModel, rows: Iterable[tuple[str, dt.date, float]], now: dt.datetime
    ) -> list[ScoreRow]:
        """Score each (series, date, y) against ``model``; raises for a date that is no horizon period."""
        by_series: dict[str, list[tuple[dt.date, float]]] = {}
        for sid, ds, y in rows:
            by_series.setdefault(sid, []).append((ds, y))
        out = []
        for sid, items in by_series.items():
            bands = {level: model.forecast(sid, None, level) for level in LEVELS}  # /v1/forecast's bands
            scale = self._scale(model, sid)
            for ds, y in items:
                step = model.forecast_step(sid, ds)
                yhat, samples = model.step_forecast(sid, step)
                edges = {level: (b["lower"][step], b["upper"][step]) for level, b in bands.items()}
                s = score_period(y, yhat, samples, edges, scale)
                inside = s.inside
                row = ScoreRow(sid, ds, model.version, step, s.y, s.yhat, s.pit, inside[50], inside[80], inside[95],
                               s.scaled_error, s.scale, now)  # fmt: skip
                out.append(row)
        return out

    def save(self, scores: Sequence[ScoreRow]) -> None:
        self.store.upsert_scores(scores)

    def _scale(self, model: ForecastModel, series_id: str) -> float:
        key = (model.version, series_id)
        if key not in self._scales:
            self._scales[key] = seasonal_naive_scale(model.history_values(series_id), model.freq.season_length)
        return self._scales[key]

    # --- targets ------------------------------------------------------------------------------

    def registered(self, model: ForecastModel, target: StoredTarget, status: Mapping[str, Any]) -> None:
        """Store the probability the registration answered, while the period is still open."""
        if "probability" in status and status.get("periods_remaining"):
            row = TargetForecast(target.name, target.created_at, target.created_at, float(status["probability"]),
                                 model.version, "registration")  # fmt: skip
            self.store.add_target_forecasts([row])

    def track(self, now: dt.datetime | None = None) -> None:
        """The lease holder, at each KRI evaluation: score unscored actuals, store every open
        target's probability, resolve the targets whose period is fully recorded."""
        model = self.models.forecast
        if model is None:
            return
        now = now or dt.datetime.now(dt.UTC)
        missing = []
        for sid, ds, y in self.store.unscored_actuals():
            try:
                missing.extend(self.score(model, [(sid, ds, y)], now))
            except SentinelError:  # posted for an older model: outside this one's horizon
                continue
        self.save(missing)
        resolved = self.store.resolved_keys()
        posted = self.planning.posted
        forecasts = []
        for target in self.planning.list_targets():
            if (target.name, _naive(target.created_at)) in resolved:
                continue
            try:
                pace = period_totals(model, subject_ids(model, target.series_id, target.group), target.start,
                                     target.end, posted)  # fmt: skip
            except SentinelError:  # the served model cannot assess it (GET /v1/targets shows why)
                continue
            outcome = resolve(pace, target.amount)
            if outcome is None:
                probability = assess(pace.totals, target.amount, self.cutoffs).probability
                forecasts.append(TargetForecast(target.name, target.created_at, now, probability, model.version,
                                                "evaluation"))  # fmt: skip
                continue
            t = target
            done = TargetOutcome(t.name, t.created_at, t.series_id, t.group, t.start, t.end, t.amount, outcome.actual,
                                 outcome.hit, model.version, now)  # fmt: skip
            self.store.add_outcome(done)
            log.info("target %s resolved: %s (actual %.1f, amount %.1f)", target.name,
                     "hit" if outcome.hit else "miss", outcome.actual, target.amount)  # fmt: skip
        self.store.add_target_forecasts(forecasts)

    # --- figures ------------------------------------------------------------------------------

    def report(
        self,
        model: ForecastModel,
        version: str,
        series_id: str | None = None,
        group: Mapping[str, str] | None = None,
        since: dt.date | None = None,
    ) -> dict[str, Any]:
        """The monitoring answer: forecast and target figures of the scope, and per group value."""
        return monitoring_report(self.store, model, version, series_id, group, since)

    def window_readings(
        self, model: ForecastModel, window: int, min_periods: int, by: Sequence[str] | None = None
    ) -> list[tuple[dict[str, str], ForecastFigures]]:
        """Per group value (every group column, or those in ``by``; one overall ``{}`` when the model
        has no groups): the figures of each member's latest ``window`` scored periods, once its
        members have ``min_periods`` scored periods each on average (a day or two says little)."""
        latest: dict[str, list[ScoreRow]] = {}
        for row in self.store.scores(model.version):  # ordered by series, then date
            latest.setdefault(row.series_id, []).append(row)
        recent = [r for rows in latest.values() for r in rows[-window:]]
        scopes = [({col: value}, _group_scope(model, col, value)) for col, values in model.groups().items()
                  if by is None or col in by for value in values]  # fmt: skip
        if not model.groups():
            scopes = [({}, _everything)]
        out = []
        for labels, inside in scopes:
            figures = figures_of(r for r in recent if inside(r.series_id))
            if figures.periods_scored and figures.periods_scored >= min_periods * figures.series:
                out.append((labels, figures))
        return out

    def target_readings(self, model: ForecastModel, window: int) -> list[tuple[dict[str, str], TargetFigures]]:
        """The latest ``window`` resolved targets (by period end) overall and per group value."""
        records = sorted(target_records(self.store, model.version, None), key=lambda pair: pair[0].end)[-window:]
        out: list[tuple[dict[str, str], TargetFigures]] = (
            [({}, summarise_targets([r for _, r in records]))] if records else []
        )
        for col, values in model.groups().items():
            for value in values:
                chosen = [r for o, r in records if _target_in(model, o, None, {col: value})]
                if chosen:
                    out.append(({col: value}, summarise_targets(chosen)))
        return out

    def refresh_gauges(self) -> None:
        """Set the accountability gauges from the served model's overall figures (every process)."""
        model = self.models.forecast
        if model is None:
            self.metrics.accountability.update(None, None)
            return
        forecast = figures_of(self.store.scores(model.version))
        targets = summarise_targets([r for _, r in target_records(self.store, model.version, None)])
        self.metrics.accountability.update(forecast, targets)


def monitoring_report(
    store: MonitoringStore,
    model: ForecastModel,
    version: str,
    series_id: str | None = None,
    group: Mapping[str, str] | None = None,
    since: dt.date | None = None,
) -> dict[str, Any]:
    """``GET /v1/monitoring``'s figures of ``version``'s scores (``model`` gives the series and
    groups): forecast and target figures of the scope, and per group value. ``sentinel retrain``
    reports the champion's with it."""
    if series_id is not None:
        model.info(series_id)  # NotFound naming it
        scope: Scope = series_id.__eq__
    elif group:
        members = set(model.members(group))
        scope = members.__contains__
    else:
        scope = _everything
    scores = [s for s in store.scores(version, since) if scope(s.series_id)]
    records = [(o, r) for o, r in target_records(store, version, since) if _target_in(model, o, series_id, group)]

    def figures(inside: Scope, target_group: Mapping[str, str] | None) -> dict[str, Any]:
        chosen = [r for o, r in records if _target_in(model, o, None, target_group)]
        return {
            "forecast": forecast_dict(figures_of(s for s in scores if inside(s.series_id))),
            "targets": targets_dict(summarise_targets(chosen)),
        }

    out = {**figures(_everything, None), "groups": {}}
    if series_id is None:
        for col, values in model.groups().items():
            out["groups"][col] = {value: figures(_group_scope(model, col, value), {col: value}) for value in values}
    return out


def target_records(
    store: MonitoringStore, version: str, since: dt.date | None
) -> list[tuple[TargetOutcome, TargetRecord]]:
    """Resolved targets with the probabilities ``version`` gave for them (targets it gave none for are left out)."""
    history = store.target_forecasts()
    out = []
    for outcome in store.outcomes(since):
        given = [f for f in history.get((outcome.target_name, _naive(outcome.registered_at)), [])
                 if f.model_version == version]  # fmt: skip
        if not given:
            continue
        at_registration = next((f.probability for f in given if f.source == "registration"), None)
        out.append((outcome, TargetRecord(outcome.hit, [f.probability for f in given], at_registration)))
    return out


def figures_of(rows: Iterable[ScoreRow]) -> ForecastFigures:
    chosen = list(rows)
    column = lambda name: np.array([getattr(r, name) for r in chosen], dtype=float)  # noqa: E731
    inside = {level: column(f"inside_{level}").astype(bool) for level in LEVELS}
    series = len({r.series_id for r in chosen})
    return summarise_scores(column("y"), column("yhat"), column("pit"), inside, column("scaled_error"), series)


def forecast_dict(f: ForecastFigures) -> dict[str, Any]:
    coverage = {str(level): value for level, value in f.coverage.items()}
    return {"periods_scored": f.periods_scored, "series": f.series, "coverage": coverage,
            "pit_histogram": f.pit_histogram, "bias": f.bias, "mase": f.mase}  # fmt: skip


def targets_dict(f: TargetFigures) -> dict[str, Any]:
    return dict(f.__dict__)


def _everything(_: str) -> bool:
    return True


def _group_scope(model: ForecastModel, col: str, value: str) -> Scope:
    members = {i.series_id for i in model.infos if i.groups.get(col) == value}
    return members.__contains__


def _target_in(model: ForecastModel, o: TargetOutcome, series_id: str | None, group: Mapping[str, str] | None) -> bool:
    """Whether a resolved target is about ``series_id``, or lies inside ``group`` (a series target
    whose series is a member, or a group target naming every one of its keys)."""
    if series_id is not None:
        return o.series_id == series_id
    if not group:
        return True
    if o.series_id is not None:
        try:
            attributes = model.info(o.series_id).groups
        except SentinelError:
            return False
        return all(attributes.get(c) == v for c, v in group.items())
    return bool(o.group) and all((o.group or {}).get(c) == v for c, v in group.items())


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment

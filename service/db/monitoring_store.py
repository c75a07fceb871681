"""Reads and writes of forecast accountability: scored actuals, the probabilities given for
registered targets, and resolved targets (SQLAlchemy Core, any dialect).

Everything is bounded: one score per (series, period date), replaced when the actual is posted
again; at most ``MAX_TARGET_FORECASTS`` probabilities per target (a probability equal to the
target's latest one from the same model version is not stored again, and past the cap the oldest
evaluation rows give way, the registration row stays); one outcome per target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, select

from service.db.tables import actuals, forecast_scores, target_forecasts, target_outcomes
from service.db.upsert import insert_on_conflict

__all__ = ["MAX_TARGET_FORECASTS", "MonitoringStore", "ScoreRow", "TargetForecast", "TargetOutcome"]

MAX_TARGET_FORECASTS = 1000
_SCORE_COLUMNS = ("model_version", "step", "y", "yhat", "pit", "inside_50", "inside_80", "inside_95",
                  "scaled_error", "scale", "scored_at")  # fmt: skip


@dataclass(frozen=True)
class ScoreRow:
    series_id: str
    ds: dt.date
    model_version: str
    step: int
    y: float
    yhat: float
    pit: float
    inside_50: bool
    inside_80: bool
    inside_95: bool
    scaled_error: float
    scale: float
    scored_at: dt.datetime


@dataclass(frozen=True)
class TargetForecast:
    target_name: str
    registered_at: dt.datetime
    ts: dt.datetime
    probability: float
    model_version: str
    source: str  # "registration" | "evaluation"


@dataclass(frozen=True)
class TargetOutcome:
    target_name: str
    registered_at: dt.datetime
    series_id: str | None
    group: dict[str, str] | None
    start: dt.date
    end: dt.date
    amount: float
    actual: float
    hit: bool
    model_version: str
    resolved_at: dt.datetime


class MonitoringStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- scored actuals -----------------------------------------------------------------------

    def upsert_scores(self, rows: Sequence[ScoreRow]) -> None:
        """Insert or replace each (series_id, ds) score, all in one transaction."""
        if not rows:
            return
        stmt = insert_on_conflict(self.engine, forecast_scores, ["series_id", "ds"], update=_SCORE_COLUMNS)
        with self.engine.begin() as conn:
            conn.execute(stmt, [r.__dict__ for r in rows])

    def scores(self, model_version: str, since: dt.date | None = None) -> list[ScoreRow]:
        """Scores given by ``model_version`` (of periods on or after ``since``), by series and date."""
        query = select(forecast_scores).where(forecast_scores.c.model_version == model_version)
        if since is not None:
            query = query.where(forecast_scores.c.ds >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(forecast_scores.c.series_id, forecast_scores.c.ds)).mappings().all()
        return [ScoreRow(**dict(r)) for r in rows]

    def unscored_actuals(self) -> list[tuple[str, dt.date, float]]:
        """Posted actuals without a score (e.g. stored by a process that stopped before scoring)."""
        joined = actuals.outerjoin(
            forecast_scores,
            and_(forecast_scores.c.series_id == actuals.c.series_id, forecast_scores.c.ds == actuals.c.ds),
        )
        query = select(actuals.c.series_id, actuals.c.ds, actuals.c.y).select_from(joined)
        with self.engine.connect() as conn:
            rows = conn.execute(query.where(forecast_scores.c.series_id.is_(None))).all()
        return [(sid, ds, float(y)) for sid, ds, y in rows]

    # --- targets ------------------------------------------------------------------------------

    def add_target_forecasts(self, rows: Sequence[TargetForecast]) -> int:
        """Store the probabilities that differ from their target's latest (or come from another
        model version, or are a registration); keep each target's history bounded. Returns how many."""
        added = 0
        with self.engine.begin() as conn:
            for row in rows:
                key = and_(
                    target_forecasts.c.target_name == row.target_name,
                    target_forecasts.c.registered_at == row.registered_at,
                )
                latest = conn.execute(
                    select(target_forecasts.c.probability, target_forecasts.c.model_version)
                    .where(key)
                    .order_by(target_forecasts.c.id.desc())
                    .limit(1)
                ).first()
                unchanged = latest is not None and tuple(latest) == (row.probability, row.model_version)
                if unchanged and row.source != "registration":
                    continue
                conn.execute(insert(target_forecasts).values(**row.__dict__))
                added += 1
                count = conn.execute(select(func.count()).select_from(target_forecasts).where(key)).scalar_one()
                if count > MAX_TARGET_FORECASTS:
                    oldest = (
                        select(target_forecasts.c.id)
                        .where(key, target_forecasts.c.source == "evaluation")
                        .order_by(target_forecasts.c.id)
                        .limit(count - MAX_TARGET_FORECASTS)
                    )
                    conn.execute(delete(target_forecasts).where(target_forecasts.c.id.in_(oldest.scalar_subquery())))
        return added

    def target_forecasts(self) -> dict[tuple[str, dt.datetime], list[TargetForecast]]:
        """Every stored probability, per (target name, registered at), oldest first."""
        out: dict[tuple[str, dt.datetime], list[TargetForecast]] = {}
        with self.engine.connect() as conn:
            query = select(target_forecasts).order_by(target_forecasts.c.id)
            for r in conn.execute(query).mappings():
                values = {k: v for k, v in r.items() if k != "id"}
                out.setdefault((r["target_name"], _naive(r["registered_at"])), []).append(TargetForecast(**values))
        return out

    def add_outcome(self, outcome: TargetOutcome) -> None:
        """Record a resolved target (once: a second resolution of the same target is ignored)."""
        values: dict[str, Any] = {**outcome.__dict__}
        values["group_json"] = values.pop("group")
        with self.engine.begin() as conn:
            conn.execute(insert_on_conflict(self.engine, target_outcomes, ["target_name", "registered_at"]), [values])

    def outcomes(self, since: dt.date | None = None) -> list[TargetOutcome]:
        """Resolved targets (whose period ends on or after ``since``), by name."""
        query = select(target_outcomes)
        if since is not None:
            query = query.where(target_outcomes.c.end >= since)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(target_outcomes.c.target_name)).mappings().all()
        out = []
        for r in rows:
            values = dict(r)
            values["group"] = values.pop("group_json")
            out.append(TargetOutcome(**values))
        return out

    def resolved_keys(self) -> set[tuple[str, dt.datetime]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(target_outcomes.c.target_name, target_outcomes.c.registered_at)).all()
        return {(name, _naive(at)) for name, at in rows}


def _naive(moment: dt.datetime) -> dt.datetime:
    """A comparable key across dialects: SQLite gives naive UTC datetimes back, PostgreSQL aware ones."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment

"""Reads and writes of posted sales actuals, plan overrides and registered targets (SQLAlchemy Core).

Actuals are also held in memory, per series as sorted ``(ordinal day, y)`` lists, because the
feasibility hot path reads them on every request: the cache is filled at start-up, updated on
every write in this process, and re-read by ``refresh``, which every process calls on each KRI
tick (lease holder or not), so actuals posted to one process reach the others within one tick.
Plan overrides (``PUT /v1/plan``) are cached and refreshed the same way.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from models.errors import InvalidInput, NotFound
from models.planning.targets import StoredTarget
from service.db.tables import actuals, plan_overrides, targets
from service.db.upsert import insert_on_conflict

__all__ = ["PlanningStore"]


class PlanningStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._actuals: dict[str, list[tuple[int, float]]] = {}
        self._plans: dict[str, dict[str, dict[int, float]]] = {}

    # --- actuals ------------------------------------------------------------------------------

    def upsert_actuals(self, rows: Sequence[tuple[str, dt.date, float]], now: dt.datetime) -> None:
        """Insert or replace each (series_id, ds) value, all in one transaction."""
        values = [{"series_id": s, "ds": d, "y": y, "received_at": now} for s, d, y in rows]
        stmt = insert_on_conflict(self.engine, actuals, ["series_id", "ds"], update=["y", "received_at"])
        with self.engine.begin() as conn:
            conn.execute(stmt, values)
        self.refresh()

    def refresh(self) -> None:
        """Re-read every posted actual into the in-memory cache."""
        loaded: dict[str, list[tuple[int, float]]] = {}
        with self.engine.connect() as conn:
            for sid, ds, y in conn.execute(select(actuals.c.series_id, actuals.c.ds, actuals.c.y)):
                loaded.setdefault(sid, []).append((ds.toordinal(), float(y)))
        plans: dict[str, dict[str, dict[int, float]]] = {}
        with self.engine.connect() as conn:
            query = select(
                plan_overrides.c.series_id, plan_overrides.c.regressor, plan_overrides.c.ds, plan_overrides.c.value
            )
            for sid, regressor, ds, value in conn.execute(query):
                plans.setdefault(sid, {}).setdefault(regressor, {})[ds.toordinal()] = float(value)
        for rows in loaded.values():
            rows.sort()
        with self._lock:
            self._actuals = loaded
            self._plans = plans

    # --- plan overrides -----------------------------------------------------------------------

    def upsert_plan(self, rows: Sequence[tuple[str, str, dt.date, float]], now: dt.datetime) -> None:
        """Insert or replace each (series_id, regressor, ds) planned value, all in one transaction."""
        values = [{"series_id": s, "regressor": r, "ds": d, "value": v, "received_at": now} for s, r, d, v in rows]
        keys = ["series_id", "regressor", "ds"]
        stmt = insert_on_conflict(self.engine, plan_overrides, keys, update=["value", "received_at"])
        with self.engine.begin() as conn:
            conn.execute(stmt, values)
        self.refresh()

    @property
    def plans(self) -> dict[str, dict[str, dict[int, float]]]:
        """series id -> regressor -> {ordinal day: planned value} replaced after training (a snapshot)."""
        return self._plans

    def change_mark(self) -> tuple[object, ...]:
        """Something that changes whenever any process posts actuals or adds or deletes a target."""
        with self.engine.connect() as conn:
            marks = conn.execute(
                select(
                    select(func.max(actuals.c.received_at)).scalar_subquery(),
                    select(func.count()).select_from(targets).scalar_subquery(),
                    select(func.max(targets.c.id)).scalar_subquery(),
                    select(func.max(plan_overrides.c.received_at)).scalar_subquery(),
                )
            ).one()
        return tuple(marks)

    @property
    def posted(self) -> dict[str, list[tuple[int, float]]]:
        """series id -> sorted [(ordinal day, y)] (a snapshot; never mutated in place)."""
        return self._actuals

    def recent(self, series_id: str, since: dt.date) -> list[tuple[dt.date, float]]:
        """Posted actuals of a series on or after ``since`` (the KRI ``ActualsSource`` protocol)."""
        first = since.toordinal()
        return [(dt.date.fromordinal(d), y) for d, y in self._actuals.get(series_id, ()) if d >= first]

    def available(self) -> str | None:
        return None if self._actuals else "no actuals posted yet (POST /v1/actuals)"

    # --- targets ------------------------------------------------------------------------------

    def add_target(self, target: StoredTarget) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(targets).values(
                        name=target.name,
                        series_id=target.series_id,
                        group_json=target.group,
                        period=target.period,
                        start=target.start,
                        end=target.end,
                        amount=target.amount,
                        owner=target.owner,
                        created_at=target.created_at,
                    )
                )
        except IntegrityError:
            raise InvalidInput(
                f"a target named {target.name!r} already exists: choose another name or "
                f"DELETE /v1/targets/{target.name} first"
            ) from None

    def list_targets(self) -> list[StoredTarget]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(targets).order_by(targets.c.name)).mappings().all()
        return [
            StoredTarget(
                name=r["name"],
                series_id=r["series_id"],
                group=r["group_json"],
                period=r["period"],
                start=r["start"],
                end=r["end"],
                amount=float(r["amount"]),
                owner=r["owner"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    def delete_target(self, name: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(delete(targets).where(targets.c.name == name)).rowcount == 0:
                raise NotFound(f"no target named {name!r}; list them with GET /v1/targets")

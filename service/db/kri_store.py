"""Reads and writes of KRI observations, alert states and the outbox (SQLAlchemy Core, any dialect)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, select, update

from models.kri.alerts import AlertState, labels_key
from models.kri.observations import Observation
from service.db.tables import alert_outbox, kri_observations, kri_state
from service.db.upsert import insert_on_conflict

__all__ = ["KriStore", "OutboxRow", "StateRow", "utc"]


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: every stored time is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@dataclass(frozen=True)
class StateRow:
    kri: str
    labels: dict[str, str]
    state: AlertState
    updated_at: dt.datetime


@dataclass(frozen=True)
class OutboxRow:
    id: int
    receiver: str
    fingerprint: str
    status: str
    alert: dict[str, Any]
    created_at: dt.datetime
    due_at: dt.datetime
    resend_until: dt.datetime | None
    attempts: int


@dataclass(frozen=True)
class OutboxMessage:
    """A message to enqueue; ``replace`` drops what is queued for the same receiver and fingerprint."""

    receiver: str
    fingerprint: str
    status: str
    alert: dict[str, Any]
    resend_until: dt.datetime | None = None
    replace: bool = False


class KriStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- observations ---------------------------------------------------------------------------
    def add_observations(self, batch: Sequence[Observation], now: dt.datetime) -> int:
        """Store a batch in one transaction; a repeat of (kri, labels, ts) is ignored. Returns rows added."""
        if not batch:
            return 0
        rows = [
            {
                "kri": o.kri,
                "labels_key": labels_key(o.labels),
                "labels": dict(o.labels),
                "ts": o.ts,
                "value": o.value,
                "received_at": now,
            }
            for o in batch
        ]
        stmt = insert_on_conflict(self.engine, kri_observations, ["kri", "labels_key", "ts"])
        added = 0
        with self.engine.begin() as conn:
            for row in rows:  # per row, RETURNING: tells a duplicate apart on every dialect and driver
                added += len(conn.execute(stmt.values(**row).returning(kri_observations.c.id)).all())
        return added

    def latest_observations(self, kri: str) -> list[tuple[dict[str, str], dt.datetime, float]]:
        """The newest observation of each label set of ``kri``."""
        newest = (
            select(kri_observations.c.labels_key, func.max(kri_observations.c.ts).label("ts"))
            .where(kri_observations.c.kri == kri)
            .group_by(kri_observations.c.labels_key)
            .subquery()
        )
        query = select(kri_observations.c.labels, kri_observations.c.ts, kri_observations.c.value).join(
            newest,
            and_(
                kri_observations.c.kri == kri,
                kri_observations.c.labels_key == newest.c.labels_key,
                kri_observations.c.ts == newest.c.ts,
            ),
        )
        with self.engine.connect() as conn:
            return [(dict(r.labels), utc(r.ts), r.value) for r in conn.execute(query)]  # type: ignore[misc]

    def last_observation_id(self) -> int | None:
        """The newest observation's id: it changes whenever any process stores an observation."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(kri_observations.c.id))).scalar()

    # -- alert state ----------------------------------------------------------------------------
    def states(self) -> list[StateRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(kri_state)).all()
        return [
            StateRow(
                kri=r.kri,
                labels=dict(r.labels),
                state=AlertState(
                    status=r.status,
                    severity=r.severity,
                    since=utc(r.since),
                    pending_since=utc(r.pending_since),
                    pending_count=r.pending_count,
                    last_breach_at=utc(r.last_breach_at),
                    active_since=utc(r.active_since),
                    value=r.value,
                ),
                updated_at=utc(r.updated_at),  # type: ignore[arg-type]
            )
            for r in rows
        ]

    def commit_evaluation(
        self,
        changed: Iterable[tuple[str, dict[str, str], AlertState]],
        messages: Iterable[OutboxMessage],
        now: dt.datetime,
    ) -> None:
        """Save new states and enqueue their alert messages in one transaction (the outbox pattern):
        a crash leaves either both or neither."""
        with self.engine.begin() as conn:
            for kri, labels, state in changed:
                key = labels_key(labels)
                values = {
                    "labels": labels,
                    "status": state.status,
                    "severity": state.severity,
                    "since": state.since,
                    "pending_since": state.pending_since,
                    "pending_count": state.pending_count,
                    "last_breach_at": state.last_breach_at,
                    "active_since": state.active_since,
                    "value": state.value,
                    "updated_at": now,
                }
                where = and_(kri_state.c.kri == kri, kri_state.c.labels_key == key)
                if conn.execute(update(kri_state).where(where).values(**values)).rowcount == 0:
                    conn.execute(insert(kri_state).values(kri=kri, labels_key=key, **values))
            self._enqueue(conn, messages, now)

    def enqueue(self, messages: Iterable[OutboxMessage], now: dt.datetime) -> None:
        with self.engine.begin() as conn:
            self._enqueue(conn, messages, now)

    @staticmethod
    def _enqueue(conn: Any, messages: Iterable[OutboxMessage], now: dt.datetime) -> None:
        for m in messages:
            if m.replace:
                conn.execute(
                    delete(alert_outbox).where(
                        alert_outbox.c.receiver == m.receiver, alert_outbox.c.fingerprint == m.fingerprint
                    )
                )
            conn.execute(
                insert(alert_outbox).values(
                    receiver=m.receiver,
                    fingerprint=m.fingerprint,
                    status=m.status,
                    alert=m.alert,
                    created_at=now,
                    due_at=now,
                    resend_until=m.resend_until,
                    attempts=0,
                )
            )

    # -- outbox ---------------------------------------------------------------------------------
    def outbox(self, due_before: dt.datetime | None = None, limit: int = 500) -> list[OutboxRow]:
        query = select(alert_outbox).order_by(alert_outbox.c.id).limit(limit)
        if due_before is not None:
            query = query.where(alert_outbox.c.due_at <= due_before)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            OutboxRow(
                id=r.id,
                receiver=r.receiver,
                fingerprint=r.fingerprint,
                status=r.status,
                alert=dict(r.alert),
                created_at=utc(r.created_at),  # type: ignore[arg-type]
                due_at=utc(r.due_at),  # type: ignore[arg-type]
                resend_until=utc(r.resend_until),
                attempts=r.attempts,
            )
            for r in rows
        ]

    def delivered(self, ids: Sequence[int], now: dt.datetime, next_due: dt.datetime | None) -> None:
        """A 2xx: drop the rows, or (``next_due``) keep them to resend then."""
        if not ids:
            return
        with self.engine.begin() as conn:
            if next_due is None:
                conn.execute(delete(alert_outbox).where(alert_outbox.c.id.in_(ids)))
            else:
                conn.execute(
                    update(alert_outbox)
                    .where(alert_outbox.c.id.in_(ids))
                    .values(due_at=next_due, attempts=0, delivered_at=now, last_error=None)
                )

    def failed(self, ids: Sequence[int], error: str, retry_at: dt.datetime) -> None:
        if not ids:
            return
        with self.engine.begin() as conn:
            conn.execute(
                update(alert_outbox)
                .where(alert_outbox.c.id.in_(ids))
                .values(due_at=retry_at, attempts=alert_outbox.c.attempts + 1, last_error=error[:2000])
            )

    def drop_receivers_except(self, keep: Iterable[str]) -> int:
        """Forget messages for receivers no longer configured."""
        with self.engine.begin() as conn:
            return conn.execute(delete(alert_outbox).where(alert_outbox.c.receiver.not_in(list(keep)))).rowcount

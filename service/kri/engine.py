"""Evaluates every KRI, persists its alert states and enqueues what must be delivered.

One evaluation reads each KRI's current values (the newest observation per label set, or its
provider's readings), steps each (KRI, label set) through ``models.kri.alerts.evaluate`` and commits
the changed states together with their outbox messages in one transaction. States live in the
database, so a restart neither forgets a firing alert nor fires it anew.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.kri.alerts import AlertState, Transition, alert_annotations, alert_labels, evaluate, fingerprint, labels_key
from models.kri.config import KriDefinition
from service.db.kri_store import KriStore, OutboxMessage
from service.kri.delivery import ALERTMANAGER, DeliveryConfig, utc_iso
from service.kri.sources import SourceProvider, Unavailable
from service.telemetry import Metrics

__all__ = ["KriEngine", "KriStatus"]

log = logging.getLogger(__name__)
_STATE_CODE = {"ok": 0, "resolved": 0, "pending": 1}
_Reading = tuple[dict[str, str], float, dt.datetime | None]  # labels, value, observed at (None: now)


def _value(labels: dict[str, str], value: float, ts: dt.datetime, state: AlertState) -> dict[str, Any]:
    """One label set's entry in a KRI's status."""
    return {
        "labels": labels,
        "value": value,
        "ts": ts,
        "state": state.status,
        "severity": state.severity,
        "since": state.since,
    }


@dataclass
class KriStatus:
    """What /v1/kri shows for one KRI after the latest evaluation."""

    kri: KriDefinition
    no_data: str | None = None
    values: list[dict[str, Any]] = field(default_factory=list)


class KriEngine:
    def __init__(
        self,
        kris: Sequence[KriDefinition],
        store: KriStore,
        providers: Mapping[str, SourceProvider],
        delivery: DeliveryConfig,
        metrics: Metrics,
    ) -> None:
        self.kris = {k.name: k for k in kris}
        self.store = store
        self.providers = providers
        self.delivery = delivery
        self.metrics = metrics
        self.status: dict[str, KriStatus] = {k.name: KriStatus(k, no_data="not evaluated yet") for k in kris}
        self._lock = threading.Lock()  # one evaluation at a time (timer, push and reload all trigger)
        for kri in kris:
            for severity, threshold in kri.thresholds().items():
                metrics.kri_threshold.labels(kri.name, severity).set(threshold)

    # -- evaluation -----------------------------------------------------------------------------
    def _readings(self, kri: KriDefinition) -> list[_Reading] | Unavailable:
        if kri.observed:
            latest = self.store.latest_observations(kri.name)
            if not latest:
                return Unavailable("no observations pushed yet")
            return [(labels, value, ts) for labels, ts, value in latest]
        provider = self.providers.get(kri.source)
        if provider is None:
            return Unavailable(f"no provider for source {kri.source!r}")
        try:
            result = provider.read(kri)
        except Exception as exc:  # noqa: BLE001 - one failing source must not stop the others
            log.exception("KRI %s: source %s failed", kri.name, kri.source)
            return Unavailable(f"source {kri.source} failed: {exc}")
        if isinstance(result, Unavailable):
            return result
        return [(labels, value, None) for labels, value in result]

    def evaluate(self, now: dt.datetime | None = None) -> int:
        """Evaluate every KRI once; returns how many alerts fired or resolved.

        Only the process holding the KRI lease calls this (see ``service.kri.leadership``): two
        evaluators would each see the same breach as new and each enqueue its alert.
        """
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            states = {(r.kri, labels_key(r.labels)): r for r in self.store.states()}
            changed: list[tuple[str, dict[str, str], AlertState]] = []
            messages: list[OutboxMessage] = []
            n_transitions = 0
            for kri in self.kris.values():
                status, readings = self._status(kri)
                for labels, value, ts in readings:
                    row = states.get((kri.name, labels_key(labels)))
                    before = row.state if row else AlertState()
                    after, transitions = evaluate(kri, before, value, now)
                    changed.append((kri.name, labels, after))
                    messages += [m for t in transitions for m in self._messages(kri, labels, t, value, now)]
                    n_transitions += len(transitions)
                    status.values.append(_value(labels, value, ts or now, after))
                self.status[kri.name] = status
                self._export(kri, status)
            self.store.commit_evaluation(changed, messages, now)
        if n_transitions:
            log.info("KRI evaluation: %d alert(s) fired or resolved", n_transitions)
        return n_transitions

    def follow(self, now: dt.datetime | None = None) -> None:
        """Refresh what /v1/kri and the gauges show without evaluating: the latest values, with the
        states the lease holder stored. A process that does not hold the lease calls this each tick,
        so every process answers alike."""
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            states = {(r.kri, labels_key(r.labels)): r for r in self.store.states()}
            for kri in self.kris.values():
                status, readings = self._status(kri)
                for labels, value, ts in readings:
                    row = states.get((kri.name, labels_key(labels)))
                    status.values.append(_value(labels, value, ts or now, row.state if row else AlertState()))
                self.status[kri.name] = status
                self._export(kri, status)

    def _status(self, kri: KriDefinition) -> tuple[KriStatus, list[_Reading]]:
        """A fresh status for ``kri`` and its readings (none, with the reason, when unavailable)."""
        readings = self._readings(kri)
        if not isinstance(readings, Unavailable):
            return KriStatus(kri), readings
        with contextlib.suppress(KeyError):  # no value: no sample, rather than a stale one
            self.metrics.kri_value.remove(kri.name)
        return KriStatus(kri, no_data=readings.reason), []

    def _export(self, kri: KriDefinition, status: KriStatus) -> None:
        """Gauges labelled by KRI only (bounded): the worst value and state across label sets."""
        if not status.values:
            self.metrics.kri_alert_state.labels(kri.name).set(0)
            return
        values = [v["value"] for v in status.values]
        self.metrics.kri_value.labels(kri.name).set(max(values) if kri.direction == "above" else min(values))
        codes = [
            (3 if v["severity"] == "critical" else 2) if v["state"] == "firing" else _STATE_CODE[v["state"]]
            for v in status.values
        ]
        self.metrics.kri_alert_state.labels(kri.name).set(max(codes))

    # -- alerts -----------------------------------------------------------------------------------
    def alert(
        self, kri: KriDefinition, labels: Mapping[str, str], severity: str, starts_at: dt.datetime, value: float | None
    ) -> dict[str, Any]:
        """An alert in Alertmanager's posting shape (``endsAt`` added on sending)."""
        return {
            "labels": alert_labels(kri, labels, severity),
            "annotations": alert_annotations(kri, severity, "" if value is None else f"{value:g}"),
            "startsAt": utc_iso(starts_at),
            "generatorURL": f"{self.delivery.external_url.rstrip('/')}/v1/kri?name={kri.name}",
        }

    def _messages(
        self, kri: KriDefinition, labels: dict[str, str], t: Transition, value: float, now: dt.datetime
    ) -> list[OutboxMessage]:
        alert = self.alert(kri, labels, t.severity, t.starts_at, value)
        fp = fingerprint(alert["labels"])
        if t.kind == "resolved":
            assert t.ends_at is not None
            alert["endsAt"] = utc_iso(t.ends_at)
        out = [OutboxMessage(url, fp, t.kind, alert) for url in self.delivery.webhook_urls]
        if self.delivery.alertmanager_url:
            until = now + dt.timedelta(seconds=self.delivery.resolved_resend_seconds) if t.kind == "resolved" else None
            out.append(OutboxMessage(ALERTMANAGER, fp, t.kind, alert, resend_until=until, replace=True))
        return out

    def active_alerts(self) -> list[dict[str, Any]]:
        """Firing alerts in the shape of Alertmanager's ``GET /api/v2/alerts``."""
        alerts = []
        for row in self.store.states():
            kri = self.kris.get(row.kri)
            state = row.state
            if kri is None or state.status != "firing" or state.severity is None or state.active_since is None:
                continue
            alert = self.alert(kri, row.labels, state.severity, state.active_since, state.value)
            ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4 * self.delivery.resend_seconds)
            alerts.append(
                {
                    **alert,
                    "endsAt": utc_iso(ahead),
                    "fingerprint": fingerprint(alert["labels"]),
                    "receivers": [{"name": r if r == ALERTMANAGER else "webhook"} for r in self.delivery.receivers],
                    "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
                    "updatedAt": utc_iso(row.updated_at),
                }
            )
        return sorted(alerts, key=lambda a: (a["labels"]["kri"], a["fingerprint"]))

    def resync_alertmanager(self, now: dt.datetime | None = None) -> int:
        """Give every firing alert an Alertmanager outbox row (e.g. after Alertmanager was configured)."""
        if not self.delivery.alertmanager_url:
            return 0
        now = now or dt.datetime.now(dt.UTC)
        queued = {r.fingerprint for r in self.store.outbox() if r.receiver == ALERTMANAGER}
        messages = []
        for row in self.store.states():
            kri, state = self.kris.get(row.kri), row.state
            if kri is None or state.status != "firing" or state.severity is None or state.active_since is None:
                continue
            alert = self.alert(kri, row.labels, state.severity, state.active_since, state.value)
            fp = fingerprint(alert["labels"])
            if fp not in queued:
                messages.append(OutboxMessage(ALERTMANAGER, fp, "firing", alert, replace=True))
        self.store.enqueue(messages, now)
        return len(messages)

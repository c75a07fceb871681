"""The alert state machine of one (KRI, label set), and the identity of the alerts it raises.

    ok ──breach──> pending ──breach lasts `for`──> firing(warning|critical) ──cleared──> resolved
     ^               │ no breach                     │  ^ escalate / de-escalate         │
     └───────────────┘                               └──┘                                 │ breach: pending
                                                                                          v
"Cleared" applies hysteresis: the value must be back inside the threshold by ``clear.margin``, and
no breach may have been seen for ``clear.keep_firing_for``. A value hovering at a threshold
therefore keeps one alert firing instead of raising one per crossing.

Severity is part of an alert's labels (as with Prometheus rules per severity), so warning ->
critical resolves the warning alert and fires a critical one; each has its own fingerprint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

from models.kri.config import KriDefinition

__all__ = [
    "ALERTNAME",
    "AlertState",
    "Transition",
    "alert_annotations",
    "alert_labels",
    "breach_level",
    "evaluate",
    "fingerprint",
    "labels_key",
]

ALERTNAME = "KRIBreach"
Status = Literal["ok", "pending", "firing", "resolved"]
Severity = Literal["warning", "critical"]
_RANK = {None: 0, "warning": 1, "critical": 2}


def labels_key(labels: Mapping[str, str]) -> str:
    """A canonical text form of a label set (sorted JSON), usable as a database key."""
    return json.dumps(dict(sorted(labels.items())), separators=(",", ":"), ensure_ascii=False)


def alert_labels(kri: KriDefinition, labels: Mapping[str, str], severity: str) -> dict[str, str]:
    """The stable label set of an alert: alertname, kri, severity, configured and series labels."""
    return {**kri.labels, **labels, "alertname": ALERTNAME, "kri": kri.name, "severity": severity}


def alert_annotations(kri: KriDefinition, severity: str, value: str) -> dict[str, str]:
    """An alert's annotations: its summary, ``value`` (as text), and the KRI's description and runbook.

    The service's own alerts and the exported Prometheus rules both read them from here, so a
    receiver sees the same text whichever of the two raised the alert.
    """
    annotations = {
        "summary": f"KRI {kri.name} is {kri.direction} its {severity} threshold {kri.threshold(severity)}",
        "value": value,
    }
    if kri.description:
        annotations["description"] = kri.description
    if kri.runbook_url:
        annotations["runbook_url"] = kri.runbook_url
    return annotations


def fingerprint(labels: Mapping[str, str]) -> str:
    """A stable 16-hex-digit identity of an alert label set (same labels, same fingerprint)."""
    return hashlib.sha256(labels_key(labels).encode()).hexdigest()[:16]


def breach_level(kri: KriDefinition, value: float, margin: float = 0.0, at_least: str | None = None) -> str | None:
    """The worst severity ``value`` breaches; thresholds of severities >= ``at_least`` use ``margin``."""
    for severity in ("critical", "warning"):
        threshold = kri.threshold(severity)
        if threshold is None:
            continue
        m = margin if at_least is not None and _RANK[severity] <= _RANK[at_least] else 0.0
        if kri.beyond(value, threshold, m):
            return severity
    return None


@dataclass(frozen=True)
class AlertState:
    """Where one (KRI, label set) stands. ``since`` is when ``status`` (or severity) last changed."""

    status: Status = "ok"
    severity: Severity | None = None
    since: dt.datetime | None = None
    pending_since: dt.datetime | None = None
    pending_count: int = 0
    last_breach_at: dt.datetime | None = None
    active_since: dt.datetime | None = None
    value: float | None = None


@dataclass(frozen=True)
class Transition:
    """An alert starts firing or resolves (an escalation is one of each)."""

    kind: Literal["firing", "resolved"]
    severity: Severity
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None


def evaluate(
    kri: KriDefinition, state: AlertState, value: float, now: dt.datetime
) -> tuple[AlertState, list[Transition]]:
    """One evaluation of ``value`` at ``now``: the next state and the alerts that fire or resolve."""
    raw = breach_level(kri, value)
    if state.status == "firing":
        return _while_firing(kri, state, value, raw, now)
    if raw is None:
        if state.status == "pending":
            return AlertState("ok", since=now, value=value), []
        return replace(state, value=value, since=state.since or now), []
    if state.status == "pending":
        assert state.pending_since is not None
        pending = replace(state, pending_count=state.pending_count + 1, last_breach_at=now, value=value)
    else:
        pending = AlertState("pending", since=now, pending_since=now, pending_count=1, last_breach_at=now, value=value)
    assert pending.pending_since is not None
    elapsed = (now - pending.pending_since).total_seconds()
    if not kri.for_.satisfied(elapsed, pending.pending_count):
        return pending, []
    severity: Severity = raw  # type: ignore[assignment]  # raw is "warning" or "critical" here
    firing = AlertState("firing", severity, since=now, last_breach_at=now, active_since=now, value=value)
    return firing, [Transition("firing", severity, now)]


def _while_firing(
    kri: KriDefinition, state: AlertState, value: float, raw: str | None, now: dt.datetime
) -> tuple[AlertState, list[Transition]]:
    assert state.severity is not None and state.active_since is not None
    # Hysteresis: the current severity (and those below it) hold until the value is `margin` inside.
    held = breach_level(kri, value, kri.clear.margin, at_least=state.severity)
    level = raw if _RANK[raw] > _RANK[held] else held
    # The last time the *current* severity was breached: keep_firing_for counts from there.
    last_breach = now if _RANK[raw] >= _RANK[state.severity] else state.last_breach_at
    if level is None:
        quiet = (now - last_breach).total_seconds() if last_breach else float("inf")
        if quiet < kri.clear.keep_firing_for:
            return replace(state, value=value, last_breach_at=last_breach), []
        resolved = AlertState("resolved", since=now, value=value)
        return resolved, [Transition("resolved", state.severity, state.active_since, now)]
    severity: Severity = level  # type: ignore[assignment]
    if severity == state.severity:
        return replace(state, value=value, last_breach_at=last_breach), []
    if _RANK[severity] < _RANK[state.severity] and kri.clear.keep_firing_for:
        # De-escalation waits out keep_firing_for as well, so critical does not flap to warning.
        quiet = (now - last_breach).total_seconds() if last_breach else float("inf")
        if quiet < kri.clear.keep_firing_for:
            return replace(state, value=value), []
    breached = now if _RANK[raw] >= _RANK[severity] else last_breach
    changed = AlertState("firing", severity, since=now, last_breach_at=breached, active_since=now, value=value)
    return changed, [
        Transition("resolved", state.severity, state.active_since, now),
        Transition("firing", severity, now),
    ]

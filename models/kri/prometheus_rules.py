"""Prometheus alerting rules equivalent to the service's own KRI alerting, over its gauges.

For teams that alert from Prometheus: each KRI severity becomes one rule over
``sentinel_kri_value`` and ``sentinel_kri_threshold`` (the gauges the service exports on
/metrics, labelled by ``kri`` only). Every service process exports the same values (one holds the
KRI lease and evaluates, the others follow its stored states), so with several pods or workers
scraped each gauge is first aggregated over them (``max``, or ``min`` for a KRI breached below),
which keeps the matching one-to-one. ``for`` and ``keep_firing_for`` carry over (``for`` counted
in evaluations becomes evaluations x the rule group's interval); the ``clear.margin`` hysteresis
is expressed with Prometheus' own ``ALERTS`` series: once firing, a rule keeps firing while the
value stays within the margin. A warning rule stays silent while the critical one fires, as the
service does.
"""

from __future__ import annotations

from typing import Any

from models.kri.alerts import ALERTNAME, alert_annotations
from models.kri.config import KriDefinition, format_duration

__all__ = ["alerting_rules"]


def _breach(kri: KriDefinition, severity: str, margin: float = 0.0) -> str:
    op, worst = (">", "max") if kri.direction == "above" else ("<", "min")
    value = f'{worst} by (kri) (sentinel_kri_value{{kri="{kri.name}"}})'
    threshold = f'max by (kri, severity) (sentinel_kri_threshold{{kri="{kri.name}",severity="{severity}"}})'
    if margin:
        shift = "-" if kri.direction == "above" else "+"
        threshold = f"({threshold} {shift} {margin!r})"
    return f"{value} {op} on(kri) {threshold}"


def _firing(kri: KriDefinition, severity: str) -> str:
    return f'ALERTS{{alertname="{ALERTNAME}",alertstate="firing",kri="{kri.name}",severity="{severity}"}}'


def _expr(kri: KriDefinition, severity: str) -> str:
    expr = _breach(kri, severity)
    if kri.clear.margin:
        expr = f"({expr}) or (({_breach(kri, severity, kri.clear.margin)}) and on(kri) {_firing(kri, severity)})"
    if severity == "warning" and kri.critical is not None:
        # Silent while critical breaches or still fires (held by its margin or keep_firing_for).
        expr = f"({expr}) unless on(kri) ({_breach(kri, 'critical')} or {_firing(kri, 'critical')})"
    return expr


def alerting_rules(kris: list[KriDefinition], interval_seconds: float = 60.0) -> dict[str, Any]:
    """A Prometheus rule file (as a dict, ready for YAML) with one rule per KRI and severity."""
    rules: list[dict[str, Any]] = []
    for kri in kris:
        # Critical first: rules of a group run in order, so the warning rule sees this round's ALERTS.
        for severity in sorted(kri.thresholds(), key=lambda s: s != "critical"):
            rule: dict[str, Any] = {"alert": ALERTNAME, "expr": _expr(kri, severity)}
            wait = kri.for_.evaluations * interval_seconds if kri.for_.evaluations else kri.for_.seconds
            if wait:
                rule["for"] = format_duration(wait)
            if kri.clear.keep_firing_for:
                rule["keep_firing_for"] = format_duration(kri.clear.keep_firing_for)
            rule["labels"] = {**kri.labels, "kri": kri.name, "severity": severity}
            rule["annotations"] = alert_annotations(kri, severity, "{{ $value }}")
            rules.append(rule)
    return {"groups": [{"name": "sales-sentinel-kris", "interval": format_duration(interval_seconds), "rules": rules}]}

"""The alert state machine: when a KRI breach fires, holds, escalates and resolves."""

import datetime as dt

from models.kri.alerts import AlertState, alert_annotations, alert_labels, evaluate, fingerprint
from models.kri.config import Clear, For, KriDefinition
from models.kri.prometheus_rules import alerting_rules

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def kri(**overrides) -> KriDefinition:
    fields = {"name": "returns_rate", "source": "observed", "direction": "above", "warning": 0.08, "critical": 0.12}
    return KriDefinition(**{**fields, **overrides})


def run(definition: KriDefinition, values, step=dt.timedelta(seconds=15)):
    """Evaluate values one per step; returns the final state and every transition as (kind, severity)."""
    state, events = AlertState(), []
    for i, value in enumerate(values):
        state, transitions = evaluate(definition, state, value, T0 + i * step)
        events += [(t.kind, t.severity) for t in transitions]
    return state, events


def test_a_value_inside_the_thresholds_stays_ok():
    state, events = run(kri(), [0.01, 0.05, 0.079])
    assert state.status == "ok" and events == []


def test_without_for_a_breach_fires_at_once_with_its_severity():
    state, events = run(kri(), [0.09])
    assert state.status == "firing" and state.severity == "warning" and events == [("firing", "warning")]
    state, events = run(kri(), [0.2])
    assert events == [("firing", "critical")]


def test_below_direction_breaches_under_the_threshold():
    definition = kri(direction="below", warning=0.9, critical=0.75)
    assert run(definition, [0.95])[1] == []
    assert run(definition, [0.8])[1] == [("firing", "warning")]
    assert run(definition, [0.5])[1] == [("firing", "critical")]


def test_for_counted_in_evaluations_needs_that_many_breaches_in_a_row():
    definition = kri(for_=For(evaluations=3))
    state, events = run(definition, [0.09, 0.09])
    assert state.status == "pending" and events == []
    state, events = run(definition, [0.09, 0.09, 0.09])
    assert state.status == "firing" and events == [("firing", "warning")]


def test_a_pending_breach_that_stops_resets_the_count():
    state, events = run(kri(for_=For(evaluations=3)), [0.09, 0.09, 0.05, 0.09, 0.09])
    assert state.status == "pending" and events == []


def test_for_as_a_duration_fires_once_the_breach_has_lasted_that_long():
    definition = kri(for_=For(seconds=60))
    state, events = run(definition, [0.09] * 4)  # 0, 15, 30, 45 s
    assert state.status == "pending" and events == []
    state, events = run(definition, [0.09] * 5)  # ... 60 s
    assert events == [("firing", "warning")]


def test_flapping_around_the_threshold_with_a_clear_margin_raises_one_alert():
    values = [0.081, 0.079] * 20  # crosses the warning threshold on every evaluation
    state, events = run(kri(clear=Clear(margin=0.01)), values)
    assert events == [("firing", "warning")] and state.status == "firing"


def test_without_hysteresis_flapping_would_raise_an_alert_per_crossing():
    _, events = run(kri(), [0.081, 0.079] * 5)
    assert events.count(("firing", "warning")) == 5  # why the margin exists


def test_the_clear_margin_resolves_once_the_value_is_that_far_inside():
    state, events = run(kri(clear=Clear(margin=0.01)), [0.09, 0.075, 0.071, 0.069])
    assert events == [("firing", "warning"), ("resolved", "warning")] and state.status == "resolved"


def test_keep_firing_for_holds_the_alert_through_short_dips():
    definition = kri(clear=Clear(keep_firing_for=60))
    values = [0.09, 0.05, 0.09, 0.05, 0.05, 0.05]  # dips shorter than 60 s
    state, events = run(definition, values)
    assert events == [("firing", "warning")] and state.status == "firing"
    state, events = run(definition, values + [0.05, 0.05])  # 60 s without a breach
    assert events == [("firing", "warning"), ("resolved", "warning")]


def test_flapping_with_keep_firing_for_is_one_alert():
    _, events = run(kri(clear=Clear(keep_firing_for=30)), [0.09, 0.05] * 20)
    assert events == [("firing", "warning")]


def test_warning_escalates_to_critical_and_back():
    state, events = run(kri(), [0.09, 0.13, 0.10])
    assert events == [
        ("firing", "warning"),
        ("resolved", "warning"),
        ("firing", "critical"),
        ("resolved", "critical"),
        ("firing", "warning"),
    ]
    assert state.severity == "warning"


def test_escalation_keeps_the_critical_alert_within_its_margin():
    state, events = run(kri(clear=Clear(margin=0.01)), [0.13, 0.115, 0.125, 0.111])
    assert events == [("firing", "critical")] and state.severity == "critical"
    state, events = run(kri(clear=Clear(margin=0.01)), [0.13, 0.105])
    assert events[-1] == ("firing", "warning")


def test_de_escalation_waits_out_keep_firing_for():
    definition = kri(clear=Clear(keep_firing_for=30))
    state, events = run(definition, [0.13, 0.10])  # 15 s after the last critical value
    assert events == [("firing", "critical")] and state.severity == "critical"
    state, events = run(definition, [0.13, 0.10, 0.10])  # 30 s
    assert events[-1] == ("firing", "warning")


def test_a_resolved_alert_fires_again_on_a_new_breach():
    state, events = run(kri(), [0.09, 0.01, 0.09])
    assert events == [("firing", "warning"), ("resolved", "warning"), ("firing", "warning")]


def test_a_kri_with_only_a_critical_threshold():
    state, events = run(kri(warning=None), [0.09, 0.2])
    assert events == [("firing", "critical")]


def test_resolution_carries_the_start_and_end_of_the_alert():
    state, t1 = evaluate(kri(), AlertState(), 0.2, T0)
    state, t2 = evaluate(kri(), state, 0.0, T0 + dt.timedelta(minutes=5))
    assert t2[0].kind == "resolved" and t2[0].starts_at == T0 and t2[0].ends_at == T0 + dt.timedelta(minutes=5)


def test_fingerprints_are_stable_and_differ_by_severity_and_labels():
    definition = kri(labels={"team": "ops"})
    a = alert_labels(definition, {"region": "west"}, "critical")
    assert a == {
        "team": "ops",
        "region": "west",
        "alertname": "KRIBreach",
        "kri": "returns_rate",
        "severity": "critical",
    }
    assert fingerprint(a) == fingerprint(dict(reversed(list(a.items()))))
    assert fingerprint(a) != fingerprint(alert_labels(definition, {"region": "west"}, "warning"))
    assert fingerprint(a) != fingerprint(alert_labels(definition, {"region": "east"}, "critical"))
    assert len(fingerprint(a)) == 16


def test_the_service_and_the_exported_prometheus_rules_annotate_an_alert_alike():
    definition = kri(description="Share of sales returned", runbook_url="https://wiki.example.com/runbooks/returns")
    assert alert_annotations(definition, "critical", "0.13") == {
        "summary": "KRI returns_rate is above its critical threshold 0.12",
        "value": "0.13",
        "description": "Share of sales returned",
        "runbook_url": "https://wiki.example.com/runbooks/returns",
    }
    rules = alerting_rules([definition])["groups"][0]["rules"]
    assert [r["annotations"] for r in rules] == [
        alert_annotations(definition, severity, "{{ $value }}") for severity in ("critical", "warning")
    ]

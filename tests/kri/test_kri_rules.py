"""The exported Prometheus rules mirror the KRI definitions (promtool runs them in tests/e2e)."""

from models.kri.config import Clear, For, KriDefinition
from models.kri.prometheus_rules import alerting_rules


def test_one_rule_per_kri_and_severity_with_for_labels_and_annotations():
    kri = KriDefinition(
        name="returns_rate",
        source="observed",
        direction="above",
        warning=0.08,
        critical=0.12,
        for_=For(seconds=120),
        clear=Clear(keep_firing_for=300),
        labels={"team": "ops"},
        runbook_url="https://runbooks.example.com/r",
    )
    (group,) = alerting_rules([kri])["groups"]
    critical, warning = group["rules"]
    assert critical["alert"] == "KRIBreach" and critical["for"] == "2m" and critical["keep_firing_for"] == "5m"
    assert critical["labels"] == {"team": "ops", "kri": "returns_rate", "severity": "critical"}
    assert critical["annotations"]["runbook_url"] == "https://runbooks.example.com/r"
    # aggregated over the scraped processes first, so several replicas still match one-to-one
    assert critical["expr"].startswith('max by (kri) (sentinel_kri_value{kri="returns_rate"}) > on(kri) max by')
    assert "unless" in warning["expr"] and "unless" not in critical["expr"]


def test_for_in_evaluations_becomes_evaluations_times_the_interval():
    kri = KriDefinition(
        name="x", source="observed", direction="below", warning=None, critical=1, for_=For(evaluations=3)
    )
    (rule,) = alerting_rules([kri], interval_seconds=30)["groups"][0]["rules"]
    assert rule["for"] == "90s" and " < on(kri) " in rule["expr"] and rule["expr"].startswith("min by (kri) (")

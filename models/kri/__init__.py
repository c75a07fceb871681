"""Key risk indicators: the KRI configuration, the alert state machine of one (KRI, label set),
pushed observations, and the equivalent Prometheus alerting rules.
"""

from models._lazy import lazy_exports

_EXPORTS = {
    "ALERTNAME": "alerts",
    "AlertState": "alerts",
    "Clear": "config",
    "For": "config",
    "KriDefinition": "config",
    "LABEL_NAME": "config",
    "MAX_FUTURE": "observations",
    "OBSERVED": "config",
    "Observation": "observations",
    "RESERVED_LABELS": "config",
    "SOURCES": "config",
    "Transition": "alerts",
    "alert_annotations": "alerts",
    "alert_labels": "alerts",
    "alerting_rules": "prometheus_rules",
    "breach_level": "alerts",
    "check_observations": "observations",
    "evaluate": "alerts",
    "fingerprint": "alerts",
    "format_duration": "config",
    "labels_key": "alerts",
    "load_kri_file": "config",
    "parse_duration": "config",
    "parse_kri_config": "config",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

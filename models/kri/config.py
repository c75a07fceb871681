"""KRI definitions: parsing and validating the KRI configuration (YAML already loaded to dicts).

A KRI (key risk indicator) is a value watched against a ``warning`` and a ``critical`` threshold::

    kris:
      - name: returns_rate
        description: Share of sales returned
        source: observed             # or target_attainment | revenue_at_risk_ratio | forecast_shortfall
        direction: above             # breach when the value is above (or below) a threshold
        warning: 0.08
        critical: 0.12
        for: 2m                      # breach must last 2 minutes ("3" = three evaluations in a row)
        clear: {margin: 0.01, keep_firing_for: 5m}
        labels: {team: finance}
        runbook_url: https://wiki.example.com/runbooks/returns
        params: {}                   # source-specific settings (forecast_shortfall: level;
                                     # forecast_coverage: level, window, min_periods, by; ...)

Every problem is reported at once, each naming the KRI and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from models.errors import InvalidInput

__all__ = [
    "OBSERVED",
    "LABEL_NAME",
    "RESERVED_LABELS",
    "SOURCES",
    "Clear",
    "For",
    "KriDefinition",
    "format_duration",
    "load_kri_file",
    "parse_duration",
    "parse_kri_config",
]

OBSERVED = "observed"
SOURCES = (
    OBSERVED,
    "target_attainment",
    "revenue_at_risk_ratio",
    "forecast_shortfall",
    "forecast_coverage",
    "forecast_bias",
    "target_calibration",
    "churn_calibration",
)
RESERVED_LABELS = frozenset({"alertname", "kri", "severity"})
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_FIELDS = {
    "name",
    "description",
    "source",
    "direction",
    "warning",
    "critical",
    "for",
    "clear",
    "labels",
    "runbook_url",
    "params",
}

Direction = Literal["above", "below"]


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus-style duration (``30s``, ``5m``, ``1h``, ``1d``); ValueError otherwise."""
    match = _DURATION.match(str(text).strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 30s, 5m, 1h")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def format_duration(seconds: float) -> str:
    """The shortest Prometheus duration for whole seconds (``300`` -> ``5m``)."""
    whole = int(round(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


@dataclass(frozen=True)
class For:
    """How long a breach must last before it fires: a duration, a count of evaluations, or neither."""

    seconds: float = 0.0
    evaluations: int = 0

    def satisfied(self, elapsed_seconds: float, count: int) -> bool:
        if self.evaluations:
            return count >= self.evaluations
        return elapsed_seconds >= self.seconds


@dataclass(frozen=True)
class Clear:
    """Hysteresis: a firing alert clears only when the value is ``margin`` back inside the threshold,
    and only after ``keep_firing_for`` seconds without a breach."""

    margin: float = 0.0
    keep_firing_for: float = 0.0


@dataclass(frozen=True)
class KriDefinition:
    name: str
    source: str
    direction: Direction
    warning: float | None
    critical: float | None
    description: str = ""
    for_: For = For()
    clear: Clear = Clear()
    labels: Mapping[str, str] = field(default_factory=dict)
    runbook_url: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def observed(self) -> bool:
        return self.source == OBSERVED

    def threshold(self, severity: str) -> float | None:
        return self.critical if severity == "critical" else self.warning

    def thresholds(self) -> dict[str, float]:
        """The configured thresholds by severity (one of them may be absent)."""
        return {s: t for s, t in (("warning", self.warning), ("critical", self.critical)) if t is not None}

    def beyond(self, value: float, threshold: float, margin: float = 0.0) -> bool:
        """Whether ``value`` breaches ``threshold`` moved ``margin`` back towards the safe side."""
        if self.direction == "above":
            return value > threshold - margin
        return value < threshold + margin


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")


def _number(raw: Any, where: str, problems: _Problems, *, required: bool = False) -> float | None:
    if raw is None:
        if required:
            problems.add(where, "is required")
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        problems.add(where, f"must be a finite number, got {raw!r}")
        return None
    return float(raw)


def _for(raw: Any, where: str, problems: _Problems) -> For:
    if raw is None:
        return For()
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            problems.add(where, f"must be a duration (5m) or a count of evaluations >= 0, got {raw}")
            return For()
        return For(evaluations=raw)
    try:
        return For(seconds=parse_duration(raw))
    except ValueError as exc:
        problems.add(where, f"{exc}, or a whole number of evaluations")
        return For()


def _clear(raw: Any, where: str, problems: _Problems) -> Clear:
    if raw is None:
        return Clear()
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping with 'margin' and/or 'keep_firing_for'")
        return Clear()
    unknown = set(raw) - {"margin", "keep_firing_for"}
    if unknown:
        problems.add(where, f"unknown keys {sorted(unknown)}; use 'margin' and/or 'keep_firing_for'")
    margin = _number(raw.get("margin", 0.0), f"{where}.margin", problems) or 0.0
    if margin < 0:
        problems.add(f"{where}.margin", f"must be >= 0, got {margin}")
    keep = 0.0
    if raw.get("keep_firing_for") is not None:
        try:
            keep = parse_duration(raw["keep_firing_for"])
        except ValueError as exc:
            problems.add(f"{where}.keep_firing_for", str(exc))
    return Clear(margin=max(margin, 0.0), keep_firing_for=keep)


def _labels(raw: Any, where: str, problems: _Problems) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.add(where, "must be a mapping of label names to values")
        return {}
    labels = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not LABEL_NAME.match(key):
            problems.add(where, f"{key!r} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        elif key in RESERVED_LABELS:
            problems.add(where, f"{key!r} is set by sales-sentinel itself; choose another label name")
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            problems.add(f"{where}.{key}", f"must be a string, got {value!r}")
        else:
            labels[key] = str(value)
    return labels


def _definition(raw: Any, index: int, problems: _Problems) -> KriDefinition | None:
    if not isinstance(raw, Mapping):
        problems.add(f"kris[{index}]", "must be a mapping with at least name, source, direction and a threshold")
        return None
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        problems.add(f"kris[{index}].name", f"must be lower_snake_case (a-z, 0-9, _), got {name!r}")
        return None
    at = f"kri {name!r}"
    count = len(problems.items)
    for key in sorted(set(raw) - _FIELDS):
        problems.add(f"{at} field {key!r}", f"unknown field; known fields: {', '.join(sorted(_FIELDS))}")
    source = raw.get("source")
    if source not in SOURCES:
        problems.add(f"{at} field 'source'", f"must be one of {', '.join(SOURCES)}, got {source!r}")
    direction = raw.get("direction")
    if direction not in ("above", "below"):
        problems.add(f"{at} field 'direction'", f"must be 'above' or 'below', got {direction!r}")
    warning = _number(raw.get("warning"), f"{at} field 'warning'", problems)
    critical = _number(raw.get("critical"), f"{at} field 'critical'", problems)
    if raw.get("warning") is None and raw.get("critical") is None:
        problems.add(f"{at} field 'warning'", "set 'warning', 'critical' or both")
    if warning is not None and critical is not None and direction in ("above", "below"):
        worse = critical > warning if direction == "above" else critical < warning
        if not worse:
            side = "above" if direction == "above" else "below"
            problems.add(
                f"{at} field 'critical'",
                f"with direction {direction!r} the critical threshold must lie {side} the warning threshold "
                f"(warning {warning}, critical {critical})",
            )
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add(f"{at} field 'description'", "must be a string")
    runbook = raw.get("runbook_url")
    if runbook is not None and (not isinstance(runbook, str) or not runbook.startswith(("http://", "https://"))):
        problems.add(f"{at} field 'runbook_url'", f"must be an http(s) URL, got {runbook!r}")
    params = raw.get("params") or {}
    if not isinstance(params, Mapping):
        problems.add(f"{at} field 'params'", "must be a mapping")
        params = {}
    for_ = _for(raw.get("for"), f"{at} field 'for'", problems)
    clear = _clear(raw.get("clear"), f"{at} field 'clear'", problems)
    labels = _labels(raw.get("labels"), f"{at} field 'labels'", problems)
    if len(problems.items) > count:
        return None
    return KriDefinition(
        name=name,
        source=str(source),
        direction=direction,  # type: ignore[arg-type]  # checked above
        warning=warning,
        critical=critical,
        description=str(description),
        for_=for_,
        clear=clear,
        labels=labels,
        runbook_url=runbook,
        params=dict(params),
    )


def parse_kri_config(document: Any, origin: str = "KRI config") -> list[KriDefinition]:
    """Validate a loaded KRI configuration document; InvalidInput lists every problem found."""
    problems = _Problems()
    if not isinstance(document, Mapping) or not isinstance(document.get("kris"), list):
        raise InvalidInput(f"{origin}: expected a mapping with a 'kris' list at the top level")
    definitions: list[KriDefinition] = []
    seen: set[str] = set()
    for index, raw in enumerate(document["kris"]):
        definition = _definition(raw, index, problems)
        if definition is None:
            continue
        if definition.name in seen:
            problems.add(f"kri {definition.name!r} field 'name'", "is defined twice; KRI names must be unique")
            continue
        seen.add(definition.name)
        definitions.append(definition)
    if problems.items:
        lines = "\n".join(f"  - {p}" for p in problems.items)
        raise InvalidInput(f"{origin} has {len(problems.items)} problem(s):\n{lines}")
    return definitions


def load_kri_file(path: str | Path) -> list[KriDefinition]:
    """Read and validate a KRI YAML file; InvalidInput names the file, the KRI and the field."""
    import yaml

    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise InvalidInput(f"KRI config {path} does not exist (SENTINEL_KRI_CONFIG)") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"KRI config {path} is not valid YAML: {exc}") from exc
    return parse_kri_config(document, origin=f"KRI config {path}")

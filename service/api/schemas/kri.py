"""``/v1/kri``: pushed observations, and every KRI with its thresholds, latest values and alert state."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.kri.config import LABEL_NAME, RESERVED_LABELS
from service.api.schemas.common import Moment, RequestBody

__all__ = [
    "KriClear",
    "KriFor",
    "KriList",
    "KriOut",
    "KriValue",
    "ObservationBatch",
    "ObservationIn",
    "ObservationsStored",
]

AlertStateName = Literal["ok", "pending", "firing", "resolved"]
Severity = Literal["warning", "critical"]


class ObservationIn(RequestBody):
    kri: str = Field(min_length=1, examples=["returns_rate"])
    value: float = Field(description="the observed value (finite)")
    ts: Moment = Field(description="when the value was observed (ISO 8601; UTC when no offset)")
    labels: dict[str, str] = Field(
        default_factory=dict,
        examples=[{"region": "west"}],
        description="label names as Prometheus writes them; alertname, kri and severity are the service's own",
        json_schema_extra={"propertyNames": {"pattern": LABEL_NAME.pattern, "not": {"enum": sorted(RESERVED_LABELS)}}},
    )


class ObservationBatch(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"observations": [{"kri": "returns_rate", "value": 0.15, "ts": "2026-11-22T09:00:00Z", "labels": {}}]}
            ]
        },
    )

    observations: list[ObservationIn] = Field(min_length=1, max_length=10_000)


class ObservationsStored(BaseModel):
    accepted: int = Field(description="observations in the batch")
    stored: int = Field(description="new ones written")
    duplicates: int = Field(description="already stored for the same kri, labels and ts (left unchanged)")


class KriValue(BaseModel):
    """The latest value of one label set, and where its alert stands."""

    labels: dict[str, str]
    value: float
    ts: str = Field(description="when the value was observed (ISO 8601, UTC)")
    state: AlertStateName
    severity: Severity | None
    since: str | None = Field(description="when state or severity last changed (ISO 8601, UTC)")


class KriFor(BaseModel):
    """How long a breach must last before it fires (both 0: at once)."""

    seconds: float = Field(description="for this long (when evaluations is 0)")
    evaluations: int = Field(description="for this many evaluations in a row (0: use seconds)")


class KriClear(BaseModel):
    """Hysteresis: when a firing alert clears."""

    margin: float = Field(description="the value must be this far back inside the threshold")
    keep_firing_for: float = Field(description="seconds without a breach before it resolves")


class KriOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str
    description: str
    source: str = Field(description="observed (pushed values) or the provider that computes it")
    direction: Literal["above", "below"] = Field(description="which side of a threshold is a breach")
    thresholds: dict[str, float] = Field(description="severity -> threshold", examples=[{"warning": 0.08}])
    warning: float | None = Field(description="the warning threshold (null: none)")
    critical: float | None = Field(description="the critical threshold (null: none)")
    for_: KriFor = Field(alias="for")
    clear: KriClear
    labels: dict[str, str] = Field(description="added to every alert of this KRI")
    runbook_url: str | None
    state: AlertStateName | Literal["no_data"] = Field(description="the worst state across its label sets")
    severity: Severity | None
    since: str | None
    no_data_reason: str | None = Field(description="why there is no value (no observations, no model, ...)")
    values: list[KriValue]


class KriList(BaseModel):
    kris: list[KriOut]

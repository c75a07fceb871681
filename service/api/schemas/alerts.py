"""``GET /v1/alerts``: firing KRI alerts in the shape of Alertmanager's ``GET /api/v2/alerts``.

Field names are Alertmanager's (camelCase), so tools that read Alertmanager read these too.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["Alert", "AlertReceiver", "AlertStatus"]


class AlertReceiver(BaseModel):
    name: str = Field(description="alertmanager, or webhook")


class AlertStatus(BaseModel):
    state: Literal["active"]
    silencedBy: list[str]
    inhibitedBy: list[str]


class Alert(BaseModel):
    labels: dict[str, str] = Field(description="alertname, kri, severity and the KRI's and value's labels")
    annotations: dict[str, str] = Field(description="summary, value, and description and runbook_url when set")
    startsAt: str = Field(description="ISO 8601, UTC")
    generatorURL: str
    endsAt: str = Field(description="ISO 8601, UTC: a few resend intervals ahead while the alert fires")
    fingerprint: str
    receivers: list[AlertReceiver]
    status: AlertStatus
    updatedAt: str = Field(description="ISO 8601, UTC")

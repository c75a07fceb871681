"""Delivery of the alert outbox to Alertmanager and webhooks: at least once, stable fingerprints.

* Alertmanager (``POST /api/v2/alerts``): an outbox row is an alert's current state. Firing
  alerts are resent every ``resend_seconds`` (60) with ``endsAt`` ahead of now, so Alertmanager
  keeps them active while the service lives; a resolution carries ``endsAt`` = the resolution
  time and is resent for ``resolved_resend_seconds`` (300), then dropped.
* Webhooks: one row per notification, in Alertmanager's webhook shape, dropped on a 2xx; the body
  is signed (``X-Sentinel-Signature: sha256=<hex HMAC of the body>``) when a secret is set.

A failed send is retried with capped exponential backoff and equal jitter; rows stay in the
database until a 2xx, so a receiver that is down, or a service restart, loses nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from service.db.kri_store import KriStore, OutboxRow
from service.telemetry import Metrics

__all__ = ["ALERTMANAGER", "DeliveryConfig", "Deliverer", "backoff_seconds", "sign", "utc_iso", "webhook_body"]

log = logging.getLogger(__name__)
ALERTMANAGER = "alertmanager"
SIGNATURE_HEADER = "X-Sentinel-Signature"


@dataclass(frozen=True)
class DeliveryConfig:
    alertmanager_url: str | None = None
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str | None = None
    external_url: str = "http://127.0.0.1:8000"
    resend_seconds: float = 60.0
    resolved_resend_seconds: float = 300.0
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    timeout_seconds: float = 5.0

    @property
    def receivers(self) -> tuple[str, ...]:
        return ((ALERTMANAGER,) if self.alertmanager_url else ()) + self.webhook_urls


def backoff_seconds(attempts: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry number ``attempts`` (1, 2, ...): equal jitter on base * 2^(n-1), capped.

    Equal jitter in AWS's terms: half the capped exponential delay plus a random share of the other
    half, so retries spread out but never come sooner than half the ceiling (full jitter would draw
    from zero to the ceiling).
    """
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return (rng or random).uniform(ceiling / 2, ceiling)


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def utc_iso(t: dt.datetime) -> str:
    """An aware time as RFC 3339 in UTC with a ``Z`` suffix, the form Alertmanager's API uses."""
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def webhook_body(row: OutboxRow, external_url: str) -> dict[str, object]:
    """Alertmanager's webhook payload (version 4) carrying one alert."""
    alert = row.alert
    return {
        "version": "4",
        "groupKey": f'{{}}:{{fingerprint="{row.fingerprint}"}}',
        "truncatedAlerts": 0,
        "status": row.status,
        "receiver": "sales-sentinel",
        "groupLabels": {},
        "commonLabels": alert["labels"],
        "commonAnnotations": alert.get("annotations", {}),
        "externalURL": external_url,
        "alerts": [{**alert, "status": row.status, "fingerprint": row.fingerprint}],
    }


class Deliverer:
    """One pass over the due outbox rows per ``deliver_due`` call; the lifespan loops it."""

    def __init__(self, store: KriStore, config: DeliveryConfig, metrics: Metrics, client: httpx.AsyncClient) -> None:
        self.store = store
        self.config = config
        self.metrics = metrics
        self.client = client

    async def deliver_due(self, now: dt.datetime) -> int:
        """Send every due row; returns how many were acknowledged."""
        rows = await asyncio.to_thread(self.store.outbox, now)
        am = [r for r in rows if r.receiver == ALERTMANAGER]
        acked = 0
        if am and self.config.alertmanager_url:
            acked += await self._alertmanager(am, now)
        for row in rows:
            if row.receiver != ALERTMANAGER and row.receiver in self.config.webhook_urls:
                acked += await self._webhook(row, now)
        return acked

    async def _alertmanager(self, rows: Sequence[OutboxRow], now: dt.datetime) -> int:
        assert self.config.alertmanager_url
        ahead = now + dt.timedelta(seconds=4 * self.config.resend_seconds)
        alerts = [{**r.alert, "endsAt": r.alert.get("endsAt") or utc_iso(ahead)} for r in rows]
        url = self.config.alertmanager_url.rstrip("/") + "/api/v2/alerts"
        error = await self._post(url, json.dumps(alerts).encode(), {}, "alertmanager")
        ids = [r.id for r in rows]
        if error:
            await self._retry(rows, error, now)
            return 0
        resend = now + dt.timedelta(seconds=self.config.resend_seconds)
        done = [r.id for r in rows if r.status == "resolved" and (r.resend_until is None or resend > r.resend_until)]
        keep = [i for i in ids if i not in done]
        await asyncio.to_thread(self.store.delivered, done, now, None)
        await asyncio.to_thread(self.store.delivered, keep, now, resend)
        return len(ids)

    async def _webhook(self, row: OutboxRow, now: dt.datetime) -> int:
        body = json.dumps(webhook_body(row, self.config.external_url)).encode()
        headers = {SIGNATURE_HEADER: sign(body, self.config.webhook_secret)} if self.config.webhook_secret else {}
        error = await self._post(row.receiver, body, headers, "webhook")
        if error:
            await self._retry([row], error, now)
            return 0
        await asyncio.to_thread(self.store.delivered, [row.id], now, None)
        return 1

    async def _post(self, url: str, body: bytes, headers: dict[str, str], kind: str) -> str | None:
        try:
            response = await self.client.post(
                url,
                content=body,
                headers={"Content-Type": "application/json", **headers},
                timeout=self.config.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            self.metrics.alert_deliveries.labels(kind, "error").inc()
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            self.metrics.alert_deliveries.labels(kind, "ok").inc()
            return None
        self.metrics.alert_deliveries.labels(kind, "error").inc()
        return f"HTTP {response.status_code}: {response.text[:200]}"

    async def _retry(self, rows: Sequence[OutboxRow], error: str, now: dt.datetime) -> None:
        attempts = max(r.attempts for r in rows) + 1
        delay = backoff_seconds(attempts, self.config.backoff_base_seconds, self.config.backoff_cap_seconds)
        log.warning(
            "alert delivery to %s failed (attempt %d, retry in %.1fs): %s", rows[0].receiver, attempts, delay, error
        )
        await asyncio.to_thread(self.store.failed, [r.id for r in rows], error, now + dt.timedelta(seconds=delay))

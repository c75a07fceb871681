"""Delivery helpers: backoff grows and caps, webhook bodies are signed and carry the fingerprint."""

import datetime as dt
import hashlib
import hmac
import random

from service.db.kri_store import OutboxRow
from service.kri.delivery import backoff_seconds, sign, webhook_body


def test_backoff_doubles_with_jitter_and_stops_at_the_cap():
    rng = random.Random(1)
    delays = [backoff_seconds(n, 1.0, 30.0, rng) for n in range(1, 10)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(30.0, 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert max(delays) <= 30.0


def test_signature_is_hmac_sha256_of_the_body():
    body = b'{"status":"firing"}'
    assert sign(body, "s3cret") == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()


def test_webhook_body_follows_alertmanagers_webhook_shape():
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    alert = {
        "labels": {"alertname": "KRIBreach", "kri": "x", "severity": "critical"},
        "annotations": {},
        "startsAt": "t",
    }
    row = OutboxRow(1, "http://hook", "abc123", "firing", alert, now, now, None, 0)
    body = webhook_body(row, "http://sentinel")
    assert body["version"] == "4" and body["status"] == "firing" and body["externalURL"] == "http://sentinel"
    assert body["alerts"][0]["fingerprint"] == "abc123" and body["alerts"][0]["status"] == "firing"
    assert body["commonLabels"]["kri"] == "x"

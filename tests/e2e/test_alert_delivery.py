"""Alert delivery with real processes: Alertmanager round trip, a webhook down then up, kill -9."""

import datetime as dt
import hashlib
import hmac
import signal

import pytest

from tests.e2e.conftest import http, wait_until

pytestmark = pytest.mark.e2e


def now(offset: float = 0.0) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset)).isoformat()


def am_alerts(url: str, kri: str = "returns_rate") -> list[dict]:
    status, alerts = http("GET", f"{url}/api/v2/alerts")
    assert status == 200
    return [a for a in alerts if a["labels"].get("kri") == kri]


def test_a_breach_appears_in_alertmanager_and_later_resolves(alertmanager, sentinel):
    server = sentinel(SENTINEL_ALERTMANAGER_URL=alertmanager)
    assert server.push(0.2, now())[0] == 200
    (alert,) = wait_until(lambda: am_alerts(alertmanager), timeout=15, what="the alert in Alertmanager")
    assert alert["labels"] == {
        "alertname": "KRIBreach",
        "kri": "returns_rate",
        "severity": "critical",
        "team": "operations",
    }
    assert alert["status"]["state"] == "active"
    assert alert["generatorURL"] == f"{server.url}/v1/kri?name=returns_rate"
    (ours,) = server.alerts()
    assert ours["labels"] == alert["labels"] and ours["startsAt"][:19] == alert["startsAt"][:19]

    assert server.push(0.01, now(1))[0] == 200
    wait_until(lambda: am_alerts(alertmanager) == [], timeout=15, what="the resolution in Alertmanager")
    assert server.alerts() == []


def test_a_webhook_down_for_a_while_gets_the_alert_when_it_comes_back(webhook, sentinel):
    server = sentinel(SENTINEL_WEBHOOK_URLS=webhook.url, SENTINEL_WEBHOOK_SECRET="hook-secret")
    server.push(0.2, now())
    wait_until(lambda: server.alerts(), what="the alert")
    wait_until(lambda: "alert delivery to" in (server.tmp_path / server.log.name).read_text(), what="a failed attempt")
    webhook.start()
    headers, body = wait_until(lambda: webhook.received, what="the webhook delivery")[0]
    assert body["status"] == "firing" and body["alerts"][0]["labels"]["kri"] == "returns_rate"
    expected = "sha256=" + hmac.new(b"hook-secret", body["_raw"].encode(), hashlib.sha256).hexdigest()
    assert headers["X-Sentinel-Signature"] == expected
    server.push(0.01, now(1))
    wait_until(lambda: len(webhook.received) == 2, what="the resolution")
    resolved = webhook.received[1][1]
    assert resolved["status"] == "resolved" and resolved["alerts"][0]["fingerprint"] == body["alerts"][0]["fingerprint"]


def test_an_alert_raised_just_before_a_kill_9_is_delivered_after_the_restart(webhook, sentinel):
    server = sentinel(SENTINEL_WEBHOOK_URLS=webhook.url)
    server.push(0.2, now())
    (before,) = wait_until(lambda: server.alerts(), what="the alert")  # committed, not yet delivered
    server.stop(signal.SIGKILL)
    webhook.start()
    restarted = sentinel(SENTINEL_WEBHOOK_URLS=webhook.url)
    wait_until(lambda: webhook.received, what="delivery after the restart")
    (after,) = restarted.alerts()
    assert after["startsAt"] == before["startsAt"]  # the same alert, not fired anew
    wait_until(lambda: http("GET", f"{restarted.url}/v1/kri?name=returns_rate")[1]["kris"][0]["values"], what="eval")
    firing = [b for _, b in webhook.received if b["status"] == "firing"]
    assert {b["alerts"][0]["fingerprint"] for b in firing} == {before["fingerprint"]}
    assert len(firing) == 1

"""The outbox against fake receivers: retries with backoff, Alertmanager resends, webhook acks."""

import asyncio
import datetime as dt
import json

import httpx
import pytest

from models.kri.alerts import AlertState
from models.kri.config import parse_kri_config
from service.db import engine as db
from service.db.kri_store import KriStore
from service.kri.delivery import ALERTMANAGER, SIGNATURE_HEADER, Deliverer, DeliveryConfig, sign
from service.kri.engine import KriEngine
from service.telemetry import Metrics

T0 = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
KRIS = parse_kri_config(
    {"kris": [{"name": "returns_rate", "source": "observed", "direction": "above", "warning": 0.08, "critical": 0.12}]}
)


class Receiver:
    """A fake HTTP receiver: answers with the queued statuses (then 200) and keeps what it got."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 0:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(status)

    def bodies(self):
        return [json.loads(r.content) for r in self.requests]


@pytest.fixture
def store(tmp_path):
    engine = db.connect(f"sqlite:///{tmp_path / 'outbox.db'}")
    db.upgrade(engine)
    yield KriStore(engine)
    engine.dispose()


def setup(store, receiver, **config):
    delivery = DeliveryConfig(backoff_base_seconds=2, backoff_cap_seconds=10, **config)
    metrics = Metrics()
    engine = KriEngine(KRIS, store, {}, delivery, metrics)  # observed KRIs only: no providers
    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    return engine, Deliverer(store, delivery, metrics, client)


def breach(engine, store, value, at):
    from models.kri.observations import Observation

    store.add_observations([Observation("returns_rate", value, at, {})], at)
    engine.evaluate(at)


def deliver(deliverer, at):
    return asyncio.run(deliverer.deliver_due(at))


def test_a_webhook_that_is_down_gets_the_alert_when_it_comes_back(store):
    receiver = Receiver([0, 503, 0])
    engine, deliverer = setup(store, receiver, webhook_urls=("http://hook/a",), webhook_secret="s3cret")
    breach(engine, store, 0.2, T0)
    at = T0
    for _ in range(3):  # down, 503, down: the row stays, each retry later than the last
        assert deliver(deliverer, at) == 0
        (row,) = store.outbox()
        assert row.due_at > at
        at = row.due_at
    assert deliver(deliverer, at) == 1
    assert store.outbox() == []
    body = receiver.bodies()[-1]
    assert body["status"] == "firing" and body["alerts"][0]["labels"]["severity"] == "critical"
    assert receiver.requests[-1].headers[SIGNATURE_HEADER] == sign(receiver.requests[-1].content, "s3cret")
    fingerprints = {b["alerts"][0]["fingerprint"] for b in receiver.bodies()}
    assert len(fingerprints) == 1  # every retry carries the same fingerprint


def test_backoff_is_capped(store):
    engine, deliverer = setup(store, Receiver([0] * 20), webhook_urls=("http://hook/a",))
    breach(engine, store, 0.2, T0)
    at = T0
    for _ in range(12):
        deliver(deliverer, at)
        (row,) = store.outbox()
        assert (row.due_at - at).total_seconds() <= 10
        at = row.due_at
    assert row.attempts == 12


def test_alertmanager_gets_firing_alerts_resent_each_minute_and_resolutions_for_five_minutes(store):
    receiver = Receiver()
    engine, deliverer = setup(store, receiver, alertmanager_url="http://am:9093")
    breach(engine, store, 0.2, T0)
    assert deliver(deliverer, T0) == 1
    (alert,) = receiver.bodies()[0]
    assert str(receiver.requests[0].url) == "http://am:9093/api/v2/alerts"
    assert alert["endsAt"] > alert["startsAt"] and alert["labels"]["kri"] == "returns_rate"
    assert deliver(deliverer, T0 + dt.timedelta(seconds=30)) == 0  # not yet due
    assert deliver(deliverer, T0 + dt.timedelta(seconds=60)) == 1  # resent after a minute
    resolved_at = T0 + dt.timedelta(seconds=90)
    breach(engine, store, 0.01, resolved_at)
    sent = 0
    for second in range(90, 90 + 400, 10):
        sent += deliver(deliverer, T0 + dt.timedelta(seconds=second))
    resolutions = [b[0] for b in receiver.bodies()[2:]]
    assert all(a["endsAt"] == resolved_at.isoformat().replace("+00:00", "Z") for a in resolutions)
    assert 5 <= len(resolutions) <= 6 and store.outbox() == []  # one a minute for five minutes, then dropped


def test_escalation_resolves_the_warning_alert_and_fires_the_critical_one(store):
    receiver = Receiver()
    engine, deliverer = setup(store, receiver, webhook_urls=("http://hook/a",))
    breach(engine, store, 0.09, T0)
    breach(engine, store, 0.2, T0 + dt.timedelta(seconds=15))
    deliver(deliverer, T0 + dt.timedelta(seconds=15))
    got = [(b["status"], b["alerts"][0]["labels"]["severity"]) for b in receiver.bodies()]
    assert got == [("firing", "warning"), ("resolved", "warning"), ("firing", "critical")]


def test_alertmanager_configured_later_still_learns_of_alerts_already_firing(store):
    engine, _ = setup(store, Receiver())
    breach(engine, store, 0.2, T0)
    assert store.outbox() == []
    engine, deliverer = setup(store, Receiver(), alertmanager_url="http://am:9093")
    assert engine.resync_alertmanager(T0) == 1 and engine.resync_alertmanager(T0) == 0
    assert [r.receiver for r in store.outbox()] == [ALERTMANAGER]


def test_states_round_trip_through_the_database(store):
    state = AlertState("firing", "critical", since=T0, last_breach_at=T0, active_since=T0, value=0.2)
    store.commit_evaluation([("returns_rate", {"region": "west"}, state)], [], T0)
    (row,) = store.states()
    assert row.kri == "returns_rate" and row.labels == {"region": "west"} and row.state == state


def test_flapping_input_sends_one_alert_not_one_per_crossing(store):
    flappy = parse_kri_config(
        {
            "kris": [
                {
                    "name": "returns_rate",
                    "source": "observed",
                    "direction": "above",
                    "warning": 0.08,
                    "critical": 0.12,
                    "clear": {"margin": 0.01},
                }
            ]
        }
    )
    receiver = Receiver()
    delivery = DeliveryConfig(webhook_urls=("http://hook/a",))
    engine = KriEngine(flappy, store, {}, delivery, Metrics())
    deliverer = Deliverer(store, delivery, Metrics(), httpx.AsyncClient(transport=httpx.MockTransport(receiver)))
    for i in range(20):
        at = T0 + dt.timedelta(seconds=15 * i)
        breach(engine, store, 0.085 if i % 2 == 0 else 0.075, at)  # crosses 0.08 on every evaluation
        deliver(deliverer, at)
    assert [(b["status"], b["alerts"][0]["labels"]["severity"]) for b in receiver.bodies()] == [("firing", "warning")]

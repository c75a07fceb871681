"""Several service processes on one database: one of them (the lease holder) evaluates KRIs and
delivers alerts, every one serves requests, and a kill -9 of the holder hands the work over."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import signal
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from service.db import engine as db
from tests.e2e.conftest import Sentinel, WebhookReceiver, http, wait_until

pytestmark = pytest.mark.e2e

LABEL_SETS = 40
INTERVAL = 1.0  # SENTINEL_KRI_EVAL_INTERVAL_SECONDS of the failover tests: failover within 2 of them
_databases = itertools.count()


def now(offset: float = 0.0) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset)).isoformat()


def push_all(server: Sentinel, value: float, ts: str) -> None:
    """One observation per label set, all 40 at once, each in its own request."""

    def push(i: int) -> int:
        body = {"observations": [{"kri": "returns_rate", "value": value, "ts": ts, "labels": {"store": f"s{i:02d}"}}]}
        return http("POST", f"{server.url}/v1/kri/observations", body, {"X-API-Key": "e2e-write"})[0]

    with ThreadPoolExecutor(LABEL_SETS) as pool:
        assert list(pool.map(push, range(LABEL_SETS))) == [200] * LABEL_SETS


def deliveries(webhook: WebhookReceiver) -> Counter[tuple[str, str]]:
    """Webhook deliveries counted by (fingerprint, status)."""
    return Counter((body["alerts"][0]["fingerprint"], body["status"]) for _, body in list(webhook.received))


def delivered(webhook: WebhookReceiver, status: str) -> set[str]:
    return {fp for fp, s in deliveries(webhook) if s == status}


def is_leader(server: Sentinel) -> bool:
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=5) as r:
        exposition = r.read().decode()
    match = re.search(r"^sentinel_kri_leader (\S+)$", exposition, re.MULTILINE)
    assert match, "sentinel_kri_leader missing from /metrics"
    return float(match.group(1)) == 1.0


def log_of(server: Sentinel) -> str:
    return (server.tmp_path / server.log.name).read_text()


@pytest.fixture
def database(request, tmp_path) -> str:
    """A fresh database of the parametrized kind, as a SENTINEL_DATABASE_URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sentinel.db'}"
    postgres = request.getfixturevalue("postgres")
    name = f"sentinel_lease_{next(_databases)}"
    admin = db.connect(postgres.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return postgres.url(name)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_two_workers_deliver_one_firing_and_one_resolution_per_label_set(database, webhook, sentinel):
    webhook.start()
    server = sentinel("--workers", "2", SENTINEL_DATABASE_URL=database, SENTINEL_WEBHOOK_URLS=webhook.url)
    # Both workers are up: one holds the lease, the other follows.
    wait_until(lambda: "took the KRI lease" in log_of(server), what="a lease holder")
    wait_until(lambda: "follows the KRI lease holder" in log_of(server), what="a follower")

    push_all(server, 0.2, now())  # 40 breaches at once, spread over both workers
    wait_until(lambda: len(delivered(webhook, "firing")) == LABEL_SETS, what="40 firing deliveries")
    push_all(server, 0.01, now(1))  # back inside the threshold minus its margin
    wait_until(lambda: len(delivered(webhook, "resolved")) == LABEL_SETS, what="40 resolved deliveries")
    time.sleep(2.0)  # several evaluation and delivery ticks: a second delivery would arrive by now

    counts = deliveries(webhook)
    assert len({fp for fp, _ in counts}) == LABEL_SETS
    assert sorted(set(counts.values())) == [1], {k: n for k, n in counts.items() if n > 1}
    assert sum(counts.values()) == 2 * LABEL_SETS
    assert log_of(server).count("took the KRI lease") == 1  # no worker took it over from the other


def two_servers(sentinel, database: str, webhook: WebhookReceiver) -> tuple[Sentinel, Sentinel]:
    """Two `sentinel serve` processes on one database; returns (lease holder, follower)."""
    env = {
        "SENTINEL_DATABASE_URL": database,
        "SENTINEL_WEBHOOK_URLS": webhook.url,
        "SENTINEL_KRI_EVAL_INTERVAL_SECONDS": str(INTERVAL),
    }
    first, second = sentinel(**env), sentinel(**env)
    return wait_until(
        lambda: {(True, False): (first, second), (False, True): (second, first)}.get(
            (is_leader(first), is_leader(second))
        ),
        what="exactly one lease holder",
    )


def take_over_time(leader: Sentinel, follower: Sentinel) -> float:
    """kill -9 the holder; seconds until the follower reports holding the lease."""
    leader.stop(signal.SIGKILL)
    killed = time.monotonic()
    wait_until(lambda: is_leader(follower), timeout=10 * INTERVAL, what="the follower taking the lease")
    return time.monotonic() - killed


@pytest.mark.parametrize("database", ["sqlite", "postgresql"], indirect=True)
def test_after_a_kill_9_of_the_holder_the_other_process_delivers_what_was_pending(database, webhook, sentinel):
    leader, follower = two_servers(sentinel, database, webhook)
    push_all(follower, 0.2, now())  # pushed to the follower, evaluated by the holder
    wait_until(lambda: len(follower.alerts()) == LABEL_SETS, what="40 alerts committed by the holder")
    # The webhook is down, so the 40 messages wait in the outbox while the holder retries them.
    wait_until(lambda: "alert delivery to" in log_of(leader), what="a failed delivery attempt")

    took = take_over_time(leader, follower)
    assert took <= 2 * INTERVAL, f"failover took {took:.2f}s, more than two evaluation intervals"
    webhook.start()
    wait_until(lambda: len(delivered(webhook, "firing")) == LABEL_SETS, what="the pending alerts")
    push_all(follower, 0.01, now(1))
    wait_until(lambda: len(delivered(webhook, "resolved")) == LABEL_SETS, what="the resolutions")
    time.sleep(2 * INTERVAL)

    counts = deliveries(webhook)
    assert sorted(set(counts.values())) == [1], {k: n for k, n in counts.items() if n > 1}
    assert sum(counts.values()) == 2 * LABEL_SETS


def test_a_kill_9_in_the_middle_of_delivering_loses_nothing(tmp_path, webhook, sentinel):
    webhook.start()
    leader, follower = two_servers(sentinel, f"sqlite:///{tmp_path / 'sentinel.db'}", webhook)
    push_all(follower, 0.2, now())
    wait_until(lambda: webhook.received, what="the first delivery")
    took = take_over_time(leader, follower)  # some of the 40 are delivered, the rest are not yet
    assert took <= 2 * INTERVAL, f"failover took {took:.2f}s, more than two evaluation intervals"
    wait_until(lambda: len(delivered(webhook, "firing")) == LABEL_SETS, what="every alert")
    time.sleep(2 * INTERVAL)

    counts = deliveries(webhook)
    assert len(counts) == LABEL_SETS  # all 40 fingerprints, nothing else
    # At least once: only a message sent but not yet marked delivered when the holder died (one
    # at a time: webhooks are sent in turn) may come again, with the same fingerprint.
    assert sum(counts.values()) - LABEL_SETS <= 1, {k: n for k, n in counts.items() if n > 1}

"""Two apps on one database, as two worker processes would be: one evaluates and delivers, both answer."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from service.deps import services_of
from tests.service.kri_fixtures import kri_client, kri_view, push, wait_for

UNREACHABLE_HOOK = "http://127.0.0.1:9/hook"  # nothing listens: messages stay in the outbox


def leader_gauge(client) -> float:
    match = re.search(r"^sentinel_kri_leader (\S+)$", client.get("/metrics").text, re.MULTILINE)
    assert match
    return float(match.group(1))


@pytest.fixture
def pair(tmp_path):
    """(holder, follower): two apps on one SQLite file; the first started takes the lease."""
    with kri_client(tmp_path, webhook_urls=UNREACHABLE_HOOK) as holder:
        assert wait_for(lambda: leader_gauge(holder) == 1.0)
        with kri_client(tmp_path, webhook_urls=UNREACHABLE_HOOK) as follower:
            yield holder, follower


def test_one_app_holds_the_lease_and_the_other_follows(pair):
    holder, follower = pair
    assert leader_gauge(holder) == 1.0 and leader_gauge(follower) == 0.0


def test_a_breach_pushed_to_the_follower_is_enqueued_once_and_shown_by_both(pair):
    holder, follower = pair
    assert push(follower, 0.2, dt.datetime.now(dt.UTC), store="s1").status_code == 200
    for client in pair:
        assert wait_for(lambda c=client: kri_view(c, "returns_rate")["state"] == "firing"), "not shown as firing"
        assert len(client.get("/v1/alerts").json()) == 1
    outbox = services_of(holder.app).kri_store.outbox()
    assert [(r.receiver, r.status) for r in outbox] == [(UNREACHABLE_HOOK, "firing")]  # not one per process
    assert 'sentinel_kri_alert_state{kri="returns_rate"} 3.0' in follower.get("/metrics").text


def test_actuals_posted_in_one_process_reach_the_other_within_a_tick(pair):
    holder, follower = pair
    day = dt.date(2026, 11, 1)
    services_of(follower.app).planning.upsert_actuals([("s1", day, 12.5)], dt.datetime.now(dt.UTC))
    assert wait_for(lambda: services_of(holder.app).planning.posted == {"s1": [(day.toordinal(), 12.5)]})


def test_when_the_holder_stops_the_follower_takes_over_and_evaluates(pair):
    holder, follower = pair
    holder.__exit__(None, None, None)  # shuts the app down, which releases the lease
    assert wait_for(lambda: leader_gauge(follower) == 1.0)
    push(follower, 0.2, dt.datetime.now(dt.UTC))
    assert wait_for(lambda: follower.get("/v1/alerts").json())

"""The persistence tests again, against a real PostgreSQL (Debian package `postgresql`)."""

import itertools

import pytest
from sqlalchemy import text

from service.db import engine as db
from service.db.engine import head_revision
from service.db.kri_store import KriStore

# Collected here a second time, with the PostgreSQL `store` fixture below.
from tests.service.test_outbox import (  # noqa: F401
    test_a_webhook_that_is_down_gets_the_alert_when_it_comes_back,
    test_alertmanager_gets_firing_alerts_resent_each_minute_and_resolutions_for_five_minutes,
    test_escalation_resolves_the_warning_alert_and_fires_the_critical_one,
    test_states_round_trip_through_the_database,
)

pytestmark = pytest.mark.e2e
_databases = itertools.count()


@pytest.fixture
def store(postgres):
    name = f"sentinel_test_{next(_databases)}"
    admin = db.connect(postgres.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = db.connect(postgres.url(name))
    db.upgrade(engine)
    yield KriStore(engine)
    engine.dispose()


def test_observations_are_idempotent_on_postgres(store):
    import datetime as dt

    from models.kri.observations import Observation

    at = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    batch = [Observation("returns_rate", 0.1, at, {"region": "west"}), Observation("returns_rate", 0.2, at, {})]
    assert store.add_observations(batch, at) == 2
    assert store.add_observations(batch, at) == 0
    latest = sorted(store.latest_observations("returns_rate"), key=lambda r: r[2])
    assert latest == [({"region": "west"}, at, 0.1), ({}, at, 0.2)]


def test_migrations_are_idempotent_on_postgres(store):
    db.upgrade(store.engine)  # a second run at start-up changes nothing
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()


def test_planning_actuals_and_targets_on_postgres(store):
    import datetime as dt

    from models.planning.targets import StoredTarget
    from service.db.planning_store import PlanningStore

    planning = PlanningStore(store.engine)
    at = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    day = dt.date(2026, 11, 1)
    planning.upsert_actuals([("s1", day, 10.0)], at)
    planning.upsert_actuals([("s1", day, 11.0), ("s2", day, 3.0)], at)  # replaces, no duplicate row
    assert planning.posted == {"s1": [(day.toordinal(), 11.0)], "s2": [(day.toordinal(), 3.0)]}
    target = StoredTarget("t", "s1", None, "2027-01", dt.date(2027, 1, 1), dt.date(2027, 1, 31), 5.0, None, at)
    planning.add_target(target)
    assert [t.name for t in planning.list_targets()] == ["t"]
    planning.delete_target("t")
    assert planning.list_targets() == []

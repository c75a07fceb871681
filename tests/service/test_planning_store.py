"""Posted actuals and registered targets in the database (migration 0002_planning, SQLite)."""

import datetime as dt

import pytest
from sqlalchemy import inspect

from models.errors import InvalidInput, NotFound
from models.planning.targets import StoredTarget
from service.db import engine as db
from service.db.planning_store import PlanningStore

NOW = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path):
    engine = db.connect(f"sqlite:///{tmp_path / 'planning.db'}")
    db.upgrade(engine)
    yield PlanningStore(engine)
    engine.dispose()


def test_migration_creates_the_planning_tables(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {"targets", "actuals"} <= tables


def test_actuals_upsert_is_idempotent_and_replaces_values(store):
    day = dt.date(2026, 11, 1)
    store.upsert_actuals([("s1", day, 10.0), ("s1", day + dt.timedelta(days=1), 12.0)], NOW)
    store.upsert_actuals([("s1", day, 11.0)], NOW)
    assert store.posted == {"s1": [(day.toordinal(), 11.0), (day.toordinal() + 1, 12.0)]}
    assert store.recent("s1", day + dt.timedelta(days=1)) == [(day + dt.timedelta(days=1), 12.0)]
    assert store.available() is None
    fresh = PlanningStore(store.engine)  # another worker process sees them after a refresh
    assert fresh.available() is not None
    fresh.refresh()
    assert fresh.posted == store.posted


def test_targets_are_stored_listed_and_deleted(store):
    target = StoredTarget(
        "q1", None, {"region": "N"}, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31), 5.0, "ana", NOW
    )
    store.add_target(target)
    with pytest.raises(InvalidInput, match="already exists"):
        store.add_target(target)
    (listed,) = store.list_targets()
    assert listed.group == {"region": "N"} and listed.start == dt.date(2027, 1, 1) and listed.owner == "ana"
    store.delete_target("q1")
    with pytest.raises(NotFound):
        store.delete_target("q1")
    assert store.list_targets() == []

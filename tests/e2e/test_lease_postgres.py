"""The KRI lease on a real PostgreSQL (Debian package `postgresql`): a session-level advisory lock."""

from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import text

from service.db import engine as db
from service.db.engine import head_revision
from service.db.lease import PostgresLease, lease_for
from tests.service.test_lease import hold_in_another_process, kill_9, upgrade_together

pytestmark = pytest.mark.e2e
_databases = itertools.count()


def create_database(postgres) -> str:
    name = f"sentinel_lease_unit_{next(_databases)}"
    admin = db.connect(postgres.url())
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return postgres.url(name)


@pytest.fixture
def url(postgres) -> str:
    return create_database(postgres)


@pytest.fixture
def leases(url):
    made = [lease_for(db.connect(url)) for _ in range(2)]
    yield made
    for lease in made:
        lease.release()


def lease_sessions(url: str) -> list[int]:
    """Backend pids of the lease connections on ``url``'s database."""
    engine = db.connect(url)
    with engine.connect() as conn:
        pids = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE application_name = 'sales-sentinel kri lease' AND datname = current_database()"
            )
        ).scalars()
        found = list(pids)
    engine.dispose()
    return found


def test_only_one_contender_holds_the_advisory_lock(leases):
    first, second = leases
    assert isinstance(first, PostgresLease)
    assert first.acquire() and not second.acquire()
    assert first.acquire() and not second.acquire()


def test_a_released_lease_is_taken_at_the_next_try(url, leases):
    first, second = leases
    assert first.acquire() and not second.acquire()
    first.release()
    assert second.acquire() and not first.acquire()
    assert len(lease_sessions(url)) == 1  # followers keep no connection open between tries


def test_when_the_holders_connection_dies_the_lock_goes_with_it(url, leases):
    first, second = leases
    assert first.acquire()
    (pid,) = lease_sessions(url)
    admin = db.connect(url)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    assert second.acquire()  # the server ended the session and released its lock
    assert not first.confirm() and not first.held  # the old holder notices at its next look
    assert not first.acquire()


def test_when_the_holding_process_is_killed_the_lease_is_taken_over(url, leases):
    holder = hold_in_another_process(url)
    try:
        assert not leases[0].acquire()
    finally:
        kill_9(holder)
    # The server sees the socket close at once; the backend may take a moment to end.
    deadline = time.monotonic() + 5
    while not leases[0].acquire() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leases[0].held


def test_deployments_on_other_databases_do_not_compete(postgres, leases):
    other = lease_for(db.connect(create_database(postgres)))
    try:
        assert leases[0].acquire() and other.acquire()
    finally:
        other.release()


def test_processes_starting_together_on_a_fresh_database_all_migrate(postgres):
    url = create_database(postgres)
    upgrade_together(url, processes=3)
    engine = db.connect(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    engine.dispose()

"""The KRI lease on SQLite (a file lock beside the database), and migrations one process at a time.

``tests/e2e/test_lease_postgres.py`` runs the same behaviours on a real PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from service.db import engine as db
from service.db.engine import head_revision
from service.db.lease import FileLease, PostgresLease, ProcessLease, advisory_key, lease_for

ROOT = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys, time\n"
    "from service.db import engine as db\n"
    "from service.db.lease import lease_for\n"
    "lease = lease_for(db.connect(sys.argv[1]))\n"
    "assert lease.acquire()\n"
    "print('held', flush=True)\n"
    "time.sleep(120)\n"
)
UPGRADE = "import sys\nfrom service.db import engine as db\ndb.upgrade(db.connect(sys.argv[1]))\n"


def hold_in_another_process(url: str) -> subprocess.Popen:
    """A process that takes the lease of ``url``'s database and keeps it until killed."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, url], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def kill_9(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def upgrade_together(url: str, processes: int = 2) -> None:
    """Start-up migrations of several processes at once on one database: all must succeed."""
    running = [
        subprocess.Popen([sys.executable, "-c", UPGRADE, url], stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(processes)
    ]
    for process in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


@pytest.fixture
def leases(url):
    """Two contenders for one database's lease, as two processes would be; released afterwards."""
    made = [lease_for(db.connect(url)) for _ in range(2)]
    yield made
    for lease in made:
        lease.release()


def test_only_one_contender_holds_the_lease(leases):
    first, second = leases
    assert first.acquire() and first.held
    assert not second.acquire() and not second.held
    assert first.acquire() and not second.acquire()  # each tick: the holder keeps it, the other waits


def test_a_released_lease_is_taken_at_the_next_try(leases):
    first, second = leases
    assert first.acquire() and not second.acquire()
    first.release()
    assert not first.held
    assert second.acquire()
    assert not first.acquire()  # and it stays with its new holder


def test_when_the_holding_process_is_killed_the_lease_is_taken_over(url, leases):
    holder = hold_in_another_process(url)
    try:
        assert not leases[0].acquire()
    finally:
        kill_9(holder)
    assert leases[0].acquire()  # the kernel released the dead process's lock


def test_the_lease_is_a_file_beside_the_database_naming_its_holder(tmp_path, url, leases):
    lease = leases[0]
    assert isinstance(lease, FileLease) and lease.path == tmp_path / "sentinel.db.lease"
    assert lease.acquire()
    pid, host = lease.path.read_text().split()
    assert int(pid) == os.getpid() and host


def test_a_deleted_lease_file_loses_the_lease_rather_than_letting_two_hold_it(leases, caplog):
    first, second = leases
    assert first.acquire()
    first.path.unlink()
    assert second.acquire()  # a new file, locked by the second
    with caplog.at_level(logging.WARNING, logger="service.db.lease"):
        assert not first.confirm() and not first.held
    assert "lost the KRI lease" in caplog.text
    assert not first.acquire()


def test_changes_of_hands_are_logged_once_each(leases, caplog):
    first, second = leases
    with caplog.at_level(logging.INFO, logger="service.db.lease"):
        first.acquire()
        for _ in range(3):
            second.acquire()
        first.release()
        second.acquire()
    messages = [r.getMessage().split(" (")[0] for r in caplog.records]
    pid = os.getpid()
    assert messages == [
        f"pid {pid} took the KRI lease",
        f"pid {pid} follows the KRI lease holder",
        f"pid {pid} released the KRI lease",
        f"pid {pid} took the KRI lease",
    ]


def test_each_database_kind_gets_its_lease():
    assert isinstance(lease_for(db.connect("sqlite://")), ProcessLease)  # in memory: one process only
    assert isinstance(lease_for(db.connect("postgresql+psycopg://u@127.0.0.1:1/x")), PostgresLease)
    assert ProcessLease().acquire()


def test_advisory_keys_are_stable_signed_64_bit_integers():
    key = advisory_key("sales-sentinel/kri-lease")
    assert key == advisory_key("sales-sentinel/kri-lease") != advisory_key("sales-sentinel/migrations")
    assert -(2**63) <= key < 2**63


def test_processes_starting_together_on_a_fresh_database_all_migrate(tmp_path):
    for attempt in range(3):  # unserialized, two of three such starts failed ("table already exists")
        url = f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}"
        upgrade_together(url)
        with db.connect(url).connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()

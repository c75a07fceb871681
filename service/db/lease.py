"""Locks the database holds for the service's processes: the KRI lease and the migration lock.

Several service processes may share one database (``sentinel serve --workers N``, several
replicas over one PostgreSQL). All of them serve requests, but only one may evaluate KRIs and
deliver the alert outbox, or every alert would fire and be sent once per process. That one is
whichever holds the *lease*: a lock that the database server or the kernel drops by itself when
its holder dies, however it dies (kill -9, a lost node), so there are no expiry times, clocks or
heartbeat rows to get wrong.

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) taken on a connection of
  its own, kept open for as long as the lease is held. When the holder's process dies its socket
  closes and the server ends the session, lock and all. A holder whose host vanishes without
  closing the socket is found out by TCP keepalives, set on both ends of that connection, within
  about ``KEEPALIVE_SECONDS``. Advisory locks are per database, so deployments on other databases
  of the same server do not compete. The connection must reach PostgreSQL directly (or through a
  session-pooling proxy): a transaction-pooling proxy would hand the session to someone else.
* SQLite: ``fcntl.flock`` on a file beside the database (``<database>.lease``), which the kernel
  releases when the process exits. SQLite is for one machine, so a machine-local lock is enough;
  the file holds the holder's pid and host, for a person wondering who it is.
* An in-memory SQLite database exists in one process only: that process holds the lease.

Contenders call :meth:`Lease.acquire` on every evaluation tick. It never blocks: it takes a free
lease, or confirms that a held one is still held (the session is alive; the locked file is still
the one at the path), so a follower takes over at its first tick after the holder is gone.

Migrations are serialized as well (:func:`lock_for_migration`): processes that start together on
a fresh database would otherwise all create the same tables, and all but one fail to start.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import socket
import threading
from abc import ABC, abstractmethod
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

__all__ = [
    "KEEPALIVE_SECONDS",
    "FileLease",
    "Lease",
    "PostgresLease",
    "ProcessLease",
    "advisory_key",
    "lease_for",
    "lock_for_migration",
]

log = logging.getLogger(__name__)

# TCP keepalive on the lease connection: first probe after 5 s idle, then every 2 s, given up
# after 3 unanswered, so either end notices a vanished peer in about 5 + 2 x 3 = 11 s.
_KEEPALIVE_IDLE, _KEEPALIVE_INTERVAL, _KEEPALIVE_COUNT = 5, 2, 3
KEEPALIVE_SECONDS = _KEEPALIVE_IDLE + _KEEPALIVE_INTERVAL * _KEEPALIVE_COUNT


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL's advisory lock keys are bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


KRI_LEASE_KEY = advisory_key("sales-sentinel/kri-lease")
MIGRATION_KEY = advisory_key("sales-sentinel/migrations")


class Lease(ABC):
    """Exclusive, non-blocking, released by the lock's owner (server or kernel) when the holder dies.

    Thread-safe: the evaluation loop acquires it from a worker thread, delivery confirms it from
    another, shutdown releases it. Changes of hands are logged, with the pid, because that is how a
    person (or a test) finds the process doing the alerting.
    """

    def __init__(self, what: str) -> None:
        self.what = what  # for the log, e.g. "file lock var/sentinel.db.lease"
        self._held = False
        self.terms = 0  # how many times this process has taken the lease
        self._following = False  # "follows" already logged since the last change
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        """Whether this process held the lease when it last looked (no database round trip)."""
        return self._held

    def acquire(self) -> bool:
        """Take the lease if it is free, or confirm that it is still ours; never blocks."""
        with self._lock:
            if self._held and self._check():
                return True
            self._try_take()
            return self._held

    def confirm(self) -> bool:
        """Whether a lease held so far is still held, without trying to take a free one."""
        with self._lock:
            return self._held and self._check()

    def release(self) -> None:
        """Give the lease up (at shutdown), so a follower takes over at its next tick."""
        with self._lock:
            if self._held:
                self._drop()
                self._held = False
                log.info("pid %d released the KRI lease (%s)", os.getpid(), self.what)
            self._dispose()

    def _check(self) -> bool:
        """``_confirm`` with the lease dropped and the loss logged when it is no longer ours."""
        try:
            if self._confirm():
                return True
            reason = "the lock is no longer ours"
        except (OSError, SQLAlchemyError) as exc:
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        self._drop()
        self._held = self._following = False
        log.warning("pid %d lost the KRI lease (%s): %s; it stops evaluating KRIs", os.getpid(), self.what, reason)
        return False

    def _try_take(self) -> None:
        try:
            taken = self._take()
        except (OSError, SQLAlchemyError) as exc:  # e.g. the database is down: retried next tick
            self._drop()
            self._held = False
            log.warning("pid %d could not try the KRI lease (%s): %s", os.getpid(), self.what, exc)
            return
        self._held = taken
        if taken:
            self.terms += 1
            self._following = False
            log.info("pid %d took the KRI lease (%s): it evaluates KRIs and delivers alerts", os.getpid(), self.what)
        elif not self._following:
            self._following = True
            log.info(
                "pid %d follows the KRI lease holder (%s): it serves requests and retries the lease every tick",
                os.getpid(),
                self.what,
            )

    @abstractmethod
    def _take(self) -> bool:
        """Try to take a free lease; True if taken."""

    @abstractmethod
    def _confirm(self) -> bool:
        """Whether the lease taken earlier is still ours (may raise when the means to tell are gone)."""

    @abstractmethod
    def _drop(self) -> None:
        """Let go of the lock and whatever holds it; must not raise."""

    def _dispose(self) -> None:  # noqa: B027 - optional hook: most leases have nothing more to free
        """Free what outlives a single hold (e.g. a connection factory)."""


class ProcessLease(Lease):
    """The lease of a database only one process can see (in-memory SQLite): always held."""

    def __init__(self) -> None:
        super().__init__("in-memory database, one process")

    def _take(self) -> bool:
        return True

    def _confirm(self) -> bool:
        return True

    def _drop(self) -> None:
        pass


class FileLease(Lease):
    """``flock`` on a file beside the SQLite database; the kernel releases it when the process dies.

    ``flock`` locks belong to an open file, so two leases on one path conflict within one process
    too. The lease stays ours only while the path still names the file we locked: were the file
    deleted or replaced, another process could lock the new one while we hold the old.
    """

    def __init__(self, path: Path) -> None:
        super().__init__(f"file lock {path}")
        self.path = path
        self._fd: int | None = None

    def _take(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        return True

    def _confirm(self) -> bool:
        assert self._fd is not None
        try:
            at_path = os.stat(self.path)
        except FileNotFoundError:
            return False
        locked = os.fstat(self._fd)
        return (at_path.st_dev, at_path.st_ino) == (locked.st_dev, locked.st_ino)

    def _drop(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing the file releases the lock
            self._fd = None


def _libpq_keepalives(url: URL) -> dict[str, object]:
    """Client-side keepalives and timeouts, for the libpq-based drivers (psycopg, psycopg2)."""
    if not (url.get_driver_name() or "").startswith("psycopg"):
        return {}
    return {
        "connect_timeout": 5,
        "keepalives": 1,
        "keepalives_idle": _KEEPALIVE_IDLE,
        "keepalives_interval": _KEEPALIVE_INTERVAL,
        "keepalives_count": _KEEPALIVE_COUNT,
        "tcp_user_timeout": KEEPALIVE_SECONDS * 1000,  # also bounds a send that gets no answer
        "application_name": "sales-sentinel kri lease",  # who holds it, in pg_stat_activity
    }


class PostgresLease(Lease):
    """A session-level advisory lock on a dedicated connection held for the lease's life."""

    def __init__(self, url: URL, key: int = KRI_LEASE_KEY) -> None:
        super().__init__(f"PostgreSQL advisory lock {key}")
        self.key = key
        # NullPool: closing the connection really closes the session, and with it the lock; a
        # pooled connection would go back to the pool still holding it.
        self._engine = create_engine(url, poolclass=NullPool, connect_args=_libpq_keepalives(url))
        self._conn: Connection | None = None

    def _take(self) -> bool:
        # AUTOCOMMIT: the connection sits idle for hours; idle *in a transaction* it would hold
        # a snapshot back from vacuum and meet idle_in_transaction_session_timeout.
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
            if taken:
                # The server's half of the keepalives: a holder whose host vanished is let go.
                for name, value in (
                    ("tcp_keepalives_idle", _KEEPALIVE_IDLE),
                    ("tcp_keepalives_interval", _KEEPALIVE_INTERVAL),
                    ("tcp_keepalives_count", _KEEPALIVE_COUNT),
                ):
                    conn.execute(text(f"SET {name} = {value}"))
        except BaseException:
            conn.close()
            raise
        if taken:
            self._conn = conn
        else:
            conn.close()  # followers hold no connection between tries
        return taken

    def _confirm(self) -> bool:
        assert self._conn is not None
        # The lock lives exactly as long as the session: a live session still holds it.
        self._conn.execute(text("SELECT 1"))
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            # Unlock before closing: the server drops a closed session's locks only when its backend
            # has exited, a moment after the socket closed, so a follower trying at once found the
            # lock still held (a flaky CI run). A dead connection fails both: the lock went with it.
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            with contextlib.suppress(Exception):  # a dead connection may fail to close cleanly
                self._conn.close()
            self._conn = None

    def _dispose(self) -> None:
        self._engine.dispose()


def lease_for(engine: Engine) -> Lease:
    """The KRI lease for the processes sharing ``engine``'s database."""
    url = engine.url
    backend = url.get_backend_name()
    if backend == "postgresql":
        return PostgresLease(url)
    if backend == "sqlite":
        database = url.database
        if not database or database == ":memory:" or url.query.get("mode") == "memory":
            return ProcessLease()
        path = Path(database)
        return FileLease(path.with_name(path.name + ".lease"))
    raise NotImplementedError(f"database {backend!r} is not supported: use SQLite or PostgreSQL")


def lock_for_migration(connection: Connection) -> None:
    """Make the migration on ``connection``'s transaction the only one until it commits.

    PostgreSQL: a transaction-level advisory lock, released at commit. SQLite: ``BEGIN
    IMMEDIATE`` takes the database's write lock at once (the driver would otherwise begin only at
    the first insert, after the DDL). Either way a second process waits, then finds the schema
    current and changes nothing.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_KEY})
    elif dialect == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")

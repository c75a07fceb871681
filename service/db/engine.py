"""The service's database: engine set-up and Alembic migrations.

``SENTINEL_DATABASE_URL`` picks the database: SQLite by default (``sqlite:///var/sentinel.db``,
relative to the working directory, its directory created on demand), PostgreSQL with a
``postgresql+psycopg://user:pass@host/db`` URL. The schema is owned by Alembic revisions in
``service/db/migrations/versions``; a later feature adds its tables with a new revision.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["connect", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).with_name("migrations")


def connect(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the parent directory is created and WAL mode enabled."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        # WAL lets the API read while the evaluation loop writes; a committed row survives kill -9.
        _journal_mode_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _journal_mode_wal(cursor: sqlite3.Cursor, wait_seconds: float = 30.0) -> None:
    """Switch to WAL. Switching a new database needs it to itself, and SQLite answers "locked"
    at once there instead of waiting out the busy timeout: processes starting together on a
    fresh database (``--workers N``) retry until one of them has switched it."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration's revision id: what ``upgrade`` brings a database to."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (idempotent: a current schema is left as it is).

    Safe to run from several processes at once: the migration environment takes a lock in the
    database first (``service.db.lease.lock_for_migration``), so the others wait, then find the
    schema current."""
    command.upgrade(alembic_config(engine), revision)

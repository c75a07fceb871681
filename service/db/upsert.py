"""``INSERT ... ON CONFLICT`` for the two supported databases, written once for every store.

SQLAlchemy spells the clause the same way for SQLite and PostgreSQL, but only on each dialect's
own ``insert()``; this picks the one matching the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite

__all__ = ["insert_on_conflict"]


def insert_on_conflict(engine: Engine, table: Table, keys: Sequence[str], update: Sequence[str] = ()) -> Insert:
    """An insert into ``table`` that, when a row with the same ``keys`` (a unique constraint's
    columns) exists, sets its ``update`` columns from the new row, or skips the new row if
    ``update`` is empty."""
    dialect = engine.dialect.name
    stmt: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - other dialects are not supported
        raise NotImplementedError(f"database dialect {dialect!r} is not supported: use SQLite or PostgreSQL")
    if not update:
        return stmt.on_conflict_do_nothing(index_elements=list(keys))
    return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in update})

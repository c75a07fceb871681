"""Alembic environment: runs on the engine the service (or ``sentinel db upgrade``) passes in.

One process migrates at a time (``lock_for_migration``): workers or replicas starting together on
a fresh database would otherwise all create the same tables, and all but one fail to start.
"""

from alembic import context

from service.db.lease import lock_for_migration
from service.db.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    lock_for_migration(connection)
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

"""Alembic environment: runs on the engine the service (or ``sentinel db upgrade``) passes in."""

from alembic import context

from service.db.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()

"""The service's database: the engine, the tables and their Alembic migrations, and one store
(repository) per concern: KRI observations, alert states and outbox; posted actuals and targets;
and the lease that picks the one process evaluating KRIs when several share the database.
"""

__all__ = ["engine", "kri_store", "lease", "planning_store", "tables", "upsert"]

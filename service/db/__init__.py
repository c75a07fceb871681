"""The service's database: the engine, the tables and their Alembic migrations, and one store
(repository) per concern: KRI observations, alert states and outbox; posted actuals and targets.
"""

__all__ = ["engine", "kri_store", "planning_store", "tables", "upsert"]

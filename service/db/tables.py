"""Table definitions (SQLAlchemy Core). Changes here need a new Alembic revision."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["actuals", "alert_outbox", "kri_observations", "kri_state", "metadata", "targets"]

metadata = MetaData()

kri_observations = Table(
    "kri_observations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kri", String(64), nullable=False),
    Column("labels_key", String(1024), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("value", Float, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("kri", "labels_key", "ts", name="uq_kri_observations_kri_labels_ts"),
)

kri_state = Table(
    "kri_state",
    metadata,
    Column("kri", String(64), primary_key=True),
    Column("labels_key", String(1024), primary_key=True),
    Column("labels", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("severity", String(16)),
    Column("since", DateTime(timezone=True)),
    Column("pending_since", DateTime(timezone=True)),
    Column("pending_count", Integer, nullable=False, default=0),
    Column("last_breach_at", DateTime(timezone=True)),
    Column("active_since", DateTime(timezone=True)),
    Column("value", Float),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# One row per alert message still owed to a receiver. Alertmanager rows are the alert's current
# state (firing: resent every minute; resolved: resent for five minutes, then dropped); webhook
# rows are one notification each, dropped when the receiver acknowledges with a 2xx.
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("receiver", String(512), nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("alert", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("resend_until", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", Text),
)

# Registered sales targets: one series (series_id) or one group (group_json, {} = every series),
# over a named period or explicit dates.
targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("series_id", String(256)),
    Column("group_json", JSON),
    Column("period", String(32)),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("amount", Float, nullable=False),
    Column("owner", String(256)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Sales actuals posted after training (POST /v1/actuals): one value per (series, period date).
actuals = Table(
    "actuals",
    metadata,
    Column("series_id", String(256), nullable=False),
    Column("ds", Date, nullable=False),
    Column("y", Float, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("series_id", "ds", name="uq_actuals_series_ds"),
)

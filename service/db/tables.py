"""Table definitions (SQLAlchemy Core). Changes here need a new Alembic revision."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "actuals",
    "alert_outbox",
    "churn_outcomes",
    "churn_scores",
    "forecast_scores",
    "kri_observations",
    "kri_state",
    "metadata",
    "plan_overrides",
    "target_forecasts",
    "target_outcomes",
    "targets",
]

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

# Churn accountability (revision 0003_churn_outcomes). The latest POST /v1/churn/score answer per
# customer, with the cleaned feature values scored (for feature drift); the oldest rows go first
# beyond SENTINEL_CHURN_RECORDS_CAP. The training population's scores stay in the model artifact.
churn_scores = Table(
    "churn_scores",
    metadata,
    Column("customer_id", String(256), primary_key=True),
    Column("model_version", String(64), nullable=False),
    Column("probability", Float, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Column("features", JSON),
    Index("ix_churn_scores_scored_at", "scored_at"),
)

# Outcomes posted with POST /v1/churn/outcomes, each with the score it resolved (copied, so the
# row stands alone when the score is replaced or the model retired). One outcome per score.
churn_outcomes = Table(
    "churn_outcomes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(256), nullable=False),
    Column("churned", Boolean, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("probability", Float, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Column("source", String(16), nullable=False),  # training | score
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("customer_id", "model_version", "scored_at", name="uq_churn_outcomes_score"),
    Index("ix_churn_outcomes_as_of", "as_of"),
)

# Forecast accountability (revision 0004_monitoring). Each posted actual scored against the
# distribution the serving model gave for its period: one row per (series, period date), replaced
# when the actual is posted again.
forecast_scores = Table(
    "forecast_scores",
    metadata,
    Column("series_id", String(256), nullable=False),
    Column("ds", Date, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("step", Integer, nullable=False),
    Column("y", Float, nullable=False),
    Column("yhat", Float, nullable=False),
    Column("pit", Float, nullable=False),
    Column("inside_50", Boolean, nullable=False),
    Column("inside_80", Boolean, nullable=False),
    Column("inside_95", Boolean, nullable=False),
    Column("scaled_error", Float, nullable=False),
    Column("scale", Float, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("series_id", "ds", name="uq_forecast_scores_series_ds"),
)

# The probabilities the service gave for each registered target while its period was open (at
# registration, then at KRI evaluations whenever it changed), a bounded number per target.
target_forecasts = Table(
    "target_forecasts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target_name", String(128), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("probability", Float, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("source", String(16), nullable=False),  # registration | evaluation
    Index("ix_target_forecasts_target", "target_name", "registered_at"),
)

# Registered targets whose period is fully recorded: hit (actual >= amount) or miss. Kept after
# the target is deleted; a target is one (name, registration time).
target_outcomes = Table(
    "target_outcomes",
    metadata,
    Column("target_name", String(128), nullable=False),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("series_id", String(256)),
    Column("group_json", JSON),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("amount", Float, nullable=False),
    Column("actual", Float, nullable=False),
    Column("hit", Boolean, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("target_name", "registered_at", name="uq_target_outcomes_target"),
)

# Planned driver values replaced after training (revision 0005_plans, PUT /v1/plan): one value per
# (series, regressor, period date), applied to the served model's plan where its horizon holds it.
plan_overrides = Table(
    "plan_overrides",
    metadata,
    Column("series_id", String(256), nullable=False),
    Column("regressor", String(128), nullable=False),
    Column("ds", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("series_id", "regressor", "ds", name="uq_plan_overrides_series_regressor_ds"),
)

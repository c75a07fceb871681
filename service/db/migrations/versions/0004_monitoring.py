"""Scores of posted actuals and resolved targets (forecast accountability).

Revision ID: 0004_monitoring
Revises: 0003_churn_outcomes
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_monitoring"
down_revision = "0003_churn_outcomes"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "forecast_scores",
        sa.Column("series_id", sa.String(256), nullable=False),
        sa.Column("ds", sa.Date, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("y", sa.Float, nullable=False),
        sa.Column("yhat", sa.Float, nullable=False),
        sa.Column("pit", sa.Float, nullable=False),
        sa.Column("inside_50", sa.Boolean, nullable=False),
        sa.Column("inside_80", sa.Boolean, nullable=False),
        sa.Column("inside_95", sa.Boolean, nullable=False),
        sa.Column("scaled_error", sa.Float, nullable=False),
        sa.Column("scale", sa.Float, nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.UniqueConstraint("series_id", "ds", name="uq_forecast_scores_series_ds"),
    )
    op.create_table(
        "target_forecasts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target_name", sa.String(128), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("ts", TS, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_index("ix_target_forecasts_target", "target_forecasts", ["target_name", "registered_at"])
    op.create_table(
        "target_outcomes",
        sa.Column("target_name", sa.String(128), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("series_id", sa.String(256)),
        sa.Column("group_json", sa.JSON),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("actual", sa.Float, nullable=False),
        sa.Column("hit", sa.Boolean, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("resolved_at", TS, nullable=False),
        sa.UniqueConstraint("target_name", "registered_at", name="uq_target_outcomes_target"),
    )


def downgrade() -> None:
    op.drop_table("target_outcomes")
    op.drop_index("ix_target_forecasts_target", table_name="target_forecasts")
    op.drop_table("target_forecasts")
    op.drop_table("forecast_scores")

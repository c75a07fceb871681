"""Planned driver values replaced after training (PUT /v1/plan).

Revision ID: 0005_plans
Revises: 0004_monitoring
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_plans"
down_revision = "0004_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_overrides",
        sa.Column("series_id", sa.String(256), nullable=False),
        sa.Column("regressor", sa.String(128), nullable=False),
        sa.Column("ds", sa.Date, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("series_id", "regressor", "ds", name="uq_plan_overrides_series_regressor_ds"),
    )


def downgrade() -> None:
    op.drop_table("plan_overrides")

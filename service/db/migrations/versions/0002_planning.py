"""Registered targets and posted sales actuals.

Revision ID: 0002_planning
Revises: 0001_kri
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_planning"
down_revision = "0001_kri"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("series_id", sa.String(256)),
        sa.Column("group_json", sa.JSON),
        sa.Column("period", sa.String(32)),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("owner", sa.String(256)),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("name", name="uq_targets_name"),
    )
    op.create_table(
        "actuals",
        sa.Column("series_id", sa.String(256), nullable=False),
        sa.Column("ds", sa.Date, nullable=False),
        sa.Column("y", sa.Float, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.UniqueConstraint("series_id", "ds", name="uq_actuals_series_ds"),
    )


def downgrade() -> None:
    op.drop_table("actuals")
    op.drop_table("targets")

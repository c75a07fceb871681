"""Churn scores the service gave and their outcomes.

Revision ID: 0003_churn_outcomes
Revises: 0002_planning
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_churn_outcomes"
down_revision = "0002_planning"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "churn_scores",
        sa.Column("customer_id", sa.String(256), primary_key=True),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.Column("features", sa.JSON),
    )
    op.create_index("ix_churn_scores_scored_at", "churn_scores", ["scored_at"])
    op.create_table(
        "churn_outcomes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.String(256), nullable=False),
        sa.Column("churned", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.UniqueConstraint("customer_id", "model_version", "scored_at", name="uq_churn_outcomes_score"),
    )
    op.create_index("ix_churn_outcomes_as_of", "churn_outcomes", ["as_of"])


def downgrade() -> None:
    op.drop_index("ix_churn_outcomes_as_of", table_name="churn_outcomes")
    op.drop_table("churn_outcomes")
    op.drop_index("ix_churn_scores_scored_at", table_name="churn_scores")
    op.drop_table("churn_scores")

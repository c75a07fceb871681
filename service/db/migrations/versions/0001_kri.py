"""KRI observations, KRI alert state and the alert outbox.

Revision ID: 0001_kri
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_kri"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "kri_observations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kri", sa.String(64), nullable=False),
        sa.Column("labels_key", sa.String(1024), nullable=False),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("ts", TS, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.UniqueConstraint("kri", "labels_key", "ts", name="uq_kri_observations_kri_labels_ts"),
    )
    op.create_table(
        "kri_state",
        sa.Column("kri", sa.String(64), primary_key=True),
        sa.Column("labels_key", sa.String(1024), primary_key=True),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(16)),
        sa.Column("since", TS),
        sa.Column("pending_since", TS),
        sa.Column("pending_count", sa.Integer, nullable=False),
        sa.Column("last_breach_at", TS),
        sa.Column("active_since", TS),
        sa.Column("value", sa.Float),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("receiver", sa.String(512), nullable=False),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("alert", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("resend_until", TS),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("delivered_at", TS),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_alert_outbox_due_at", "alert_outbox", ["due_at"])
    op.create_index("ix_alert_outbox_receiver_fingerprint", "alert_outbox", ["receiver", "fingerprint"])


def downgrade() -> None:
    op.drop_table("alert_outbox")
    op.drop_table("kri_state")
    op.drop_table("kri_observations")

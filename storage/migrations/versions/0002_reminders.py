"""Reminders: the pushes outbox, weekly reviews and each user's next planning slot.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("next_slot_at", UTC_DATETIME, nullable=True))
        batch.create_index(op.f("ix_users_next_slot_at"), ["next_slot_at"])
    op.create_table(
        "pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", UTC_DATETIME, nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pushes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pushes")),
        sa.UniqueConstraint(
            "user_id", "local_date", "kind", name=op.f("uq_pushes_user_id_local_date_kind")
        ),
    )
    op.create_index("ix_pushes_status_due_at", "pushes", ["status", "due_at"])
    op.create_table(
        "weekly_reviews",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("sessions_done", sa.SmallInteger(), nullable=False),
        sa.Column("sessions_planned", sa.SmallInteger(), nullable=False),
        sa.Column("barrier", sa.String(length=16), nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_weekly_reviews_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "week_start", name=op.f("pk_weekly_reviews")),
    )


def downgrade() -> None:
    op.drop_table("weekly_reviews")
    op.drop_index("ix_pushes_status_due_at", table_name="pushes")
    op.drop_table("pushes")
    with op.batch_alter_table("users") as batch:
        batch.drop_index(op.f("ix_users_next_slot_at"))
        batch.drop_column("next_slot_at")

"""Progression: a history of level changes; a red-flag hold replaces the "stopped" step.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "level_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("exercise", sa.String(length=32), nullable=False),
        sa.Column("from_level", sa.SmallInteger(), nullable=True),
        sa.Column("to_level", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_level_changes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_changes")),
    )
    op.create_index(op.f("ix_level_changes_user_id"), "level_changes", ["user_id"])
    # A red-flag "yes" at /start used to end onboarding as "stopped"; it is now a hold
    # (red_flag_reported_at, already set) on the red-flag step, resumed once cleared.
    op.execute("UPDATE users SET onboarding_step = 'red_flags' WHERE onboarding_step = 'stopped'")


def downgrade() -> None:
    op.execute(
        "UPDATE users SET onboarding_step = 'stopped' "
        "WHERE onboarding_step = 'red_flags' AND red_flag_reported_at IS NOT NULL"
    )
    op.drop_index(op.f("ix_level_changes_user_id"), table_name="level_changes")
    op.drop_table("level_changes")

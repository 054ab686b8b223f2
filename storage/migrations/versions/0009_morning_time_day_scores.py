"""A morning-check time per person (default 08:00 local), pain scored outside a session
(a day score: kind "day", no session), and pause periods (for the chart and /export).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"  # given as 0005; main has chained 0006-0008 on 0005 meanwhile
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pause_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pause_periods_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pause_periods")),
    )
    op.create_index(op.f("ix_pause_periods_user_id"), "pause_periods", ["user_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("morning_time", sa.Time(), nullable=False, server_default="08:00:00")
        )
    with op.batch_alter_table("pain_checkins") as batch:
        batch.drop_constraint(op.f("ck_pain_checkins_kind"), type_="check")
        batch.create_check_constraint("kind", "kind IN ('during', 'next_morning', 'day')")


def downgrade() -> None:
    op.drop_index(op.f("ix_pause_periods_user_id"), table_name="pause_periods")
    op.drop_table("pause_periods")
    op.execute("DELETE FROM pain_checkins WHERE kind = 'day'")
    with op.batch_alter_table("pain_checkins") as batch:
        batch.drop_constraint(op.f("ck_pain_checkins_kind"), type_="check")
        batch.create_check_constraint("kind", "kind IN ('during', 'next_morning')")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("morning_time")

"""Initial schema: users, session logs, session exercises, pain check-ins, exercise levels.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("training_days", sa.String(length=13), nullable=False),
        sa.Column("reminder_time", sa.Time(), nullable=False),
        sa.Column("onboarding_step", sa.String(length=16), nullable=False),
        sa.Column("awaiting", sa.String(length=40), nullable=True),
        sa.Column("disclaimer_accepted_at", UTC_DATETIME, nullable=True),
        sa.Column("red_flag_reported_at", UTC_DATETIME, nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("reachable", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "exercise_levels",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("exercise", sa.String(length=32), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("changed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_exercise_levels_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "exercise", name=op.f("pk_exercise_levels")),
    )
    op.create_table(
        "session_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("logged_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("status IN ('done', 'skipped')", name=op.f("ck_session_logs_status")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_session_logs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_logs")),
        sa.UniqueConstraint(
            "user_id", "local_date", name=op.f("uq_session_logs_user_id_local_date")
        ),
    )
    op.create_table(
        "pain_checkins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "kind IN ('during', 'next_morning')", name=op.f("ck_pain_checkins_kind")
        ),
        sa.CheckConstraint("score BETWEEN 0 AND 10", name=op.f("ck_pain_checkins_score")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session_logs.id"],
            name=op.f("fk_pain_checkins_session_id_session_logs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_pain_checkins_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_checkins")),
        sa.UniqueConstraint("session_id", "kind", name=op.f("uq_pain_checkins_session_id_kind")),
    )
    op.create_index(op.f("ix_pain_checkins_user_id"), "pain_checkins", ["user_id"])
    op.create_table(
        "session_exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("exercise", sa.String(length=32), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session_logs.id"],
            name=op.f("fk_session_exercises_session_id_session_logs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_exercises")),
        sa.UniqueConstraint(
            "session_id", "exercise", name=op.f("uq_session_exercises_session_id_exercise")
        ),
    )


def downgrade() -> None:
    op.drop_table("session_exercises")
    op.drop_index(op.f("ix_pain_checkins_user_id"), table_name="pain_checkins")
    op.drop_table("pain_checkins")
    op.drop_table("session_logs")
    op.drop_table("exercise_levels")
    op.drop_table("users")

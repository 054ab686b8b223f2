"""Scores are never overwritten, reviews can be re-run, red flags are answered one by one.

- session_logs.effort: the optional "How hard was it?" answer;
- pain_checkins: a correction is a new row; the old one gets superseded_at / superseded_by, and
  the unique (session, kind) becomes a partial unique index over the current rows only;
- session_reviews: the state before each session's first review and the moves it made;
- red_flag_answers (one row per tapped flag or "None of these") and clearances.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)
CURRENT = sa.text("superseded_at IS NULL")


def upgrade() -> None:
    op.add_column("session_logs", sa.Column("effort", sa.String(length=12), nullable=True))

    with op.batch_alter_table("pain_checkins") as batch:
        batch.drop_constraint("uq_pain_checkins_session_id_kind", type_="unique")
        batch.add_column(sa.Column("superseded_at", UTC_DATETIME, nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_pain_checkins_superseded_by_pain_checkins"),
            "pain_checkins",
            ["superseded_by"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(
        "ix_pain_checkins_current",
        "pain_checkins",
        ["session_id", "kind"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )

    op.create_table(
        "session_reviews",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("levels_before", sa.JSON(), nullable=False),
        sa.Column("steps_before", sa.JSON(), nullable=False),
        sa.Column("last_unlock_before", sa.Date(), nullable=True),
        sa.Column("moves", sa.JSON(), nullable=False),
        sa.Column("voice", sa.String(length=16), nullable=False),
        sa.Column("clinician", sa.String(length=24), nullable=True),
        sa.Column("reviewed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["session_logs.id"],
            name=op.f("fk_session_reviews_session_id_session_logs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_session_reviews_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_reviews")),
    )
    op.create_index(op.f("ix_session_reviews_user_id"), "session_reviews", ["user_id"])

    op.create_table(
        "red_flag_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("flag", sa.String(length=32), nullable=False),
        sa.Column("moment", sa.String(length=8), nullable=False),
        sa.Column("answered_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "moment IN ('start', 'later')", name=op.f("ck_red_flag_answers_moment")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_red_flag_answers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_red_flag_answers")),
    )
    op.create_index(op.f("ix_red_flag_answers_user_id"), "red_flag_answers", ["user_id"])

    op.create_table(
        "clearances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("held_since", UTC_DATETIME, nullable=True),
        sa.Column("cleared_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_clearances_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearances")),
    )
    op.create_index(op.f("ix_clearances_user_id"), "clearances", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_clearances_user_id"), table_name="clearances")
    op.drop_table("clearances")
    op.drop_index(op.f("ix_red_flag_answers_user_id"), table_name="red_flag_answers")
    op.drop_table("red_flag_answers")
    op.drop_index(op.f("ix_session_reviews_user_id"), table_name="session_reviews")
    op.drop_table("session_reviews")
    # Only the current score of each session and kind survives going back.
    op.execute("DELETE FROM pain_checkins WHERE superseded_at IS NOT NULL")
    op.drop_index("ix_pain_checkins_current", table_name="pain_checkins")
    with op.batch_alter_table("pain_checkins") as batch:
        batch.drop_constraint(
            op.f("fk_pain_checkins_superseded_by_pain_checkins"), type_="foreignkey"
        )
        batch.drop_column("superseded_by")
        batch.drop_column("superseded_at")
        batch.create_unique_constraint(
            op.f("uq_pain_checkins_session_id_kind"), ["session_id", "kind"]
        )
    with op.batch_alter_table("session_logs") as batch:
        batch.drop_column("effort")

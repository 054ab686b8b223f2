"""The Patient-Specific Functional Scale: the activities each person names, and their ratings,
a round being the ratings of one local day.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "psfs_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_psfs_activities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psfs_activities")),
        sa.UniqueConstraint(
            "user_id", "position", name=op.f("uq_psfs_activities_user_id_position")
        ),
    )
    op.create_index(op.f("ix_psfs_activities_user_id"), "psfs_activities", ["user_id"])
    op.create_table(
        "psfs_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("round_day", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_psfs_ratings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["psfs_activities.id"],
            name=op.f("fk_psfs_ratings_activity_id_psfs_activities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psfs_ratings")),
        sa.UniqueConstraint(
            "activity_id", "round_day", name=op.f("uq_psfs_ratings_activity_id_round_day")
        ),
    )
    op.create_index(op.f("ix_psfs_ratings_user_id"), "psfs_ratings", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_psfs_ratings_user_id"), table_name="psfs_ratings")
    op.drop_table("psfs_ratings")
    op.drop_index(op.f("ix_psfs_activities_user_id"), table_name="psfs_activities")
    op.drop_table("psfs_activities")

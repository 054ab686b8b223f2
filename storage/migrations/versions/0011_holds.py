"""Holds as rows of their own (a red flag, or the advice to have the knee reviewed), each with
how it ended; knee events ("my knee gave way"); when the program last came back after a break.

users.red_flag_reported_at becomes users.held_since: set while any hold is open. Red-flag
holds that ended with a clearance, and one still open, are carried over as rows.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_holds_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index(op.f("ix_holds_user_id"), "holds", ["user_id"])
    op.create_index(
        "ix_holds_open",
        "holds",
        ["user_id", "kind"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )
    op.create_table(
        "knee_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_knee_events_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knee_events")),
    )
    op.create_index(op.f("ix_knee_events_user_id"), "knee_events", ["user_id"])
    with op.batch_alter_table("users") as batch:
        batch.alter_column("red_flag_reported_at", new_column_name="held_since")
        batch.add_column(sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "INSERT INTO holds (user_id, kind, evidence, started_at, ended_at, ended_by) "
        "SELECT user_id, 'red_flag', '[]', held_since, cleared_at, 'cleared' "
        "FROM clearances WHERE held_since IS NOT NULL"
    )
    op.execute(
        "INSERT INTO holds (user_id, kind, evidence, started_at) "
        "SELECT id, 'red_flag', '[]', held_since FROM users WHERE held_since IS NOT NULL"
    )


def downgrade() -> None:
    # A review hold has no place in the older schema: the program comes off hold.
    op.execute(
        "UPDATE users SET held_since = NULL WHERE id NOT IN "
        "(SELECT user_id FROM holds WHERE kind = 'red_flag' AND ended_at IS NULL)"
    )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("held_since", new_column_name="red_flag_reported_at")
        batch.drop_column("returned_at")
    op.execute("DELETE FROM pushes WHERE kind = 'followup'")
    op.drop_index(op.f("ix_knee_events_user_id"), table_name="knee_events")
    op.drop_table("knee_events")
    op.drop_index("ix_holds_open", table_name="holds")
    op.drop_index(op.f("ix_holds_user_id"), table_name="holds")
    op.drop_table("holds")

"""The inbox: updates from Telegram stored before they are confirmed, handled at least once,
and remembered a while by update_id so a re-delivery (or a second replica) is handled once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.SmallInteger(), nullable=False),
        sa.Column("handled_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index(
        "ix_inbox_handled_at_received_at", "inbox", ["handled_at", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_inbox_handled_at_received_at", table_name="inbox")
    op.drop_table("inbox")

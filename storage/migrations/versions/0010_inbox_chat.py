"""The inbox names each update's chat, so a replica can see that another one holds an earlier
update of the same chat and let it go first.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("inbox", sa.Column("chat_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_inbox_chat_id_update_id", "inbox", ["chat_id", "update_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inbox_chat_id_update_id", table_name="inbox")
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("chat_id")

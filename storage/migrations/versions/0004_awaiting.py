"""The pending question as a type: its kind and its session day in two columns, instead of a
"pain:<date>" string that SQL had to match with LIKE.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.BigInteger()),
    sa.column("awaiting", sa.String()),
    sa.column("awaiting_question", sa.String()),
    sa.column("awaiting_day", sa.Date()),
)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("awaiting_question", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("awaiting_day", sa.Date(), nullable=True))
    connection = op.get_bind()
    for user_id, awaiting in connection.execute(
        sa.select(users.c.id, users.c.awaiting).where(users.c.awaiting.is_not(None))
    ):
        question, _, day = awaiting.partition(":")
        try:
            parsed = date.fromisoformat(day) if day else None
        except ValueError:
            continue  # an unreadable old value: the question is simply asked again
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(awaiting_question=question[:16], awaiting_day=parsed)
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("awaiting")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("awaiting", sa.String(length=40), nullable=True))
    connection = op.get_bind()
    for user_id, question, day in connection.execute(
        sa.select(users.c.id, users.c.awaiting_question, users.c.awaiting_day).where(
            users.c.awaiting_question.is_not(None)
        )
    ):
        value = f"{question}:{day.isoformat()}" if day else question
        connection.execute(users.update().where(users.c.id == user_id).values(awaiting=value))
    with op.batch_alter_table("users") as batch:
        batch.drop_column("awaiting_day")
        batch.drop_column("awaiting_question")

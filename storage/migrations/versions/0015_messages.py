"""Messages relayed between a patient and their clinician (care_messages: the words, a
photo's file id, the relayed copy's message id, when the clinician answered), and the care
notice that carries each one.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("from_patient", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=255), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relayed_message_id", sa.BigInteger(), nullable=True),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_care_messages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["clinician_id"],
            ["clinicians.id"],
            name=op.f("fk_care_messages_clinician_id_clinicians"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_messages")),
    )
    for column in ("user_id", "clinician_id", "relayed_message_id"):
        op.create_index(op.f(f"ix_care_messages_{column}"), "care_messages", [column])
    with op.batch_alter_table("care_notices") as batch:
        batch.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_care_notices_message_id_care_messages"),
            "care_messages",
            ["message_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_care_notices_message_id"), ["message_id"])


def downgrade() -> None:
    with op.batch_alter_table("care_notices") as batch:
        batch.drop_index(op.f("ix_care_notices_message_id"))
        batch.drop_constraint(op.f("fk_care_notices_message_id_care_messages"), type_="foreignkey")
        batch.drop_column("message_id")
    for column in ("relayed_message_id", "clinician_id", "user_id"):
        op.drop_index(op.f(f"ix_care_messages_{column}"), table_name="care_messages")
    op.drop_table("care_messages")

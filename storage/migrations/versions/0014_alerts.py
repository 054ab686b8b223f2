"""Alerts to clinicians: a care notice may be about a patient (its buttons open them) or for
the patient, quote a detail and wait until a time; a clearance may name the clinician who gave
it; a care link remembers when the clinician was told of a quiet stretch; a clinician has a
digest day and hour, and the time the last digest went.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("care_notices") as batch:
        batch.alter_column("kind", existing_type=sa.String(length=8), type_=sa.String(length=12))
        batch.add_column(sa.Column("patient_id", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("to_patient", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(
            sa.Column("detail", sa.String(length=200), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_care_notices_patient_id_users"),
            "users",
            ["patient_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_care_notices_patient_id"), ["patient_id"])
    with op.batch_alter_table("clearances") as batch:
        batch.add_column(sa.Column("clinician_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_clearances_clinician_id_clinicians"),
            "clinicians",
            ["clinician_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.add_column(
        "care_links", sa.Column("idle_alerted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "clinicians",
        sa.Column("digest_weekday", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column(
        "clinicians",
        sa.Column("digest_hour", sa.SmallInteger(), server_default="8", nullable=False),
    )
    op.add_column(
        "clinicians", sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("clinicians", "digest_sent_at")
    op.drop_column("clinicians", "digest_hour")
    op.drop_column("clinicians", "digest_weekday")
    op.drop_column("care_links", "idle_alerted_at")
    with op.batch_alter_table("clearances") as batch:
        batch.drop_constraint(op.f("fk_clearances_clinician_id_clinicians"), type_="foreignkey")
        batch.drop_column("clinician_id")
    with op.batch_alter_table("care_notices") as batch:
        batch.drop_index(op.f("ix_care_notices_patient_id"))
        batch.drop_constraint(op.f("fk_care_notices_patient_id_users"), type_="foreignkey")
        batch.drop_column("due_at")
        batch.drop_column("detail")
        batch.drop_column("to_patient")
        batch.drop_column("patient_id")
        batch.alter_column("kind", existing_type=sa.String(length=12), type_=sa.String(length=8))

"""A clinician's change to a patient's program: a level change may name the clinician who made
it (NULL: the program's own rules), for the level history and the hold on automatic up-steps.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("level_changes") as batch:
        batch.add_column(sa.Column("clinician_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_level_changes_clinician_id_clinicians"),
            "clinicians",
            ["clinician_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("level_changes") as batch:
        batch.drop_constraint(op.f("fk_level_changes_clinician_id_clinicians"), type_="foreignkey")
        batch.drop_column("clinician_id")

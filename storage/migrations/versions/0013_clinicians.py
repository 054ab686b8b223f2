"""Clinicians of the practice, their one-time claim links (hashed), their patient invite
codes, the patients' consent to share with one (care links, kept as history), and the
notices that tell a clinician a patient started or stopped sharing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _live(name: str, table: str, column: str, ends: str) -> None:
    """A unique index over the rows still live (both databases know partial indexes)."""
    op.create_index(
        name,
        table,
        [column],
        unique=True,
        sqlite_where=sa.text(f"{ends} IS NULL"),
        postgresql_where=sa.text(f"{ends} IS NULL"),
    )


def _clinician_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["clinician_id"],
        ["clinicians.id"],
        name=op.f(f"fk_{table}_clinician_id_clinicians"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "clinicians",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("practice", sa.String(length=100), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
        sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinicians")),
    )
    _live("ix_clinicians_telegram_id_live", "clinicians", "telegram_id", "removed_at")
    op.create_table(
        "clinician_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _clinician_fk("clinician_claims"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinician_claims")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_clinician_claims_token_hash")),
    )
    op.create_index(op.f("ix_clinician_claims_clinician_id"), "clinician_claims", ["clinician_id"])
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _clinician_fk("invites"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invites")),
        sa.UniqueConstraint("code", name=op.f("uq_invites_code")),
    )
    _live("ix_invites_live", "invites", "clinician_id", "revoked_at")
    op.create_table(
        "care_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wording_version", sa.SmallInteger(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_care_links_user_id_users"), ondelete="CASCADE"
        ),
        _clinician_fk("care_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_links")),
    )
    op.create_index(op.f("ix_care_links_user_id"), "care_links", ["user_id"])
    op.create_index(op.f("ix_care_links_clinician_id"), "care_links", ["clinician_id"])
    _live("ix_care_links_live", "care_links", "user_id", "ended_at")
    op.create_table(
        "care_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinician_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("patient_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        _clinician_fk("care_notices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_notices")),
    )
    op.create_index(op.f("ix_care_notices_clinician_id"), "care_notices", ["clinician_id"])
    op.create_index("ix_care_notices_status", "care_notices", ["status"])


def downgrade() -> None:
    op.drop_index("ix_care_notices_status", table_name="care_notices")
    op.drop_index(op.f("ix_care_notices_clinician_id"), table_name="care_notices")
    op.drop_table("care_notices")
    op.drop_index("ix_care_links_live", table_name="care_links")
    op.drop_index(op.f("ix_care_links_clinician_id"), table_name="care_links")
    op.drop_index(op.f("ix_care_links_user_id"), table_name="care_links")
    op.drop_table("care_links")
    op.drop_index("ix_invites_live", table_name="invites")
    op.drop_table("invites")
    op.drop_index(op.f("ix_clinician_claims_clinician_id"), table_name="clinician_claims")
    op.drop_table("clinician_claims")
    op.drop_index("ix_clinicians_telegram_id_live", table_name="clinicians")
    op.drop_table("clinicians")

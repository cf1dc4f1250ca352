"""Privacy and hardening (issue 14): sign-ins, audit log, conversation mutes, mail preferences,
closed firms.

Reviewed by hand. Before the new unique indexes are created, duplicates that earlier versions
allowed are resolved: of several open invitations to one address from one firm, all but the
newest are marked revoked; of several reports of one listing by one member, only the oldest is
kept (the one staff saw first; the later ones were the repeats issue 14 found).

Revision ID: 9a4b6c8d0e1f
Revises: 7d2e9f1a3b4c
Create Date: 2026-12-03 06:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "9a4b6c8d0e1f"
down_revision: str | None = "7d2e9f1a3b4c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "accepted_at IS NULL AND revoked_at IS NULL"


def _resolve_duplicates() -> None:
    op.execute(
        "UPDATE invitations SET revoked_at = created_at WHERE accepted_at IS NULL "
        "AND revoked_at IS NULL AND id < ("
        "SELECT MAX(i2.id) FROM invitations i2 WHERE i2.organisation_id = "
        "invitations.organisation_id AND i2.email = invitations.email "
        "AND i2.accepted_at IS NULL AND i2.revoked_at IS NULL)"
    )
    op.execute(
        "DELETE FROM listing_reports WHERE reporter_id IS NOT NULL AND id > ("
        "SELECT MIN(r2.id) FROM listing_reports r2 WHERE r2.listing_id = "
        "listing_reports.listing_id AND r2.reporter_id = listing_reports.reporter_id)"
    )


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("message_mail", sa.String(length=5), server_default="each", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "messages_summarised_until", models.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("deactivated_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("deleted_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )

    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_ins_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
    )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_ins_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(length=60), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_audit_log_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_audit_log_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["subject_user_id"],
            ["users.id"],
            name=op.f("fk_audit_log_subject_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_at", ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_log_subject_user_id"), ["subject_user_id"], unique=False
        )

    op.create_table(
        "conversation_mutes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_mutes_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conversation_mutes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_mutes")),
        sa.UniqueConstraint(
            "conversation_id", "user_id", name=op.f("uq_conversation_mutes_conversation_id_user_id")
        ),
    )
    with op.batch_alter_table("conversation_mutes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversation_mutes_user_id"), ["user_id"], unique=False
        )

    _resolve_duplicates()
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_invitations_open",
            ["organisation_id", "email"],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
    with op.batch_alter_table("listing_reports", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_listing_reports_listing_id_reporter_id"), ["listing_id", "reporter_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("listing_reports", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_listing_reports_listing_id_reporter_id"), type_="unique"
        )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("uq_invitations_open")
    with op.batch_alter_table("conversation_mutes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_mutes_user_id"))
    op.drop_table("conversation_mutes")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))
        batch_op.drop_index("ix_audit_log_at")
    op.drop_table("audit_log")
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_ins_user_id"))
    op.drop_table("sign_ins")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("deactivated_at")
        batch_op.drop_column("messages_summarised_until")
        batch_op.drop_column("message_mail")

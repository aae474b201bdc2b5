"""create moderation and erasure tables

Revision ID: 5d2f9a7c1e34
Revises: 8c41d0e7b2a9
Create Date: 2026-11-28 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2f9a7c1e34"
down_revision: str | None = "8c41d0e7b2a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_feed_cursor")),
    )
    op.create_table(
        "erased_account",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_account")),
        sa.UniqueConstraint("account_id", name=op.f("uq_erased_account_account_id")),
    )
    with op.batch_alter_table("erased_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erased_account_created_at"), ["created_at"], unique=False)
    op.create_table(
        "moderation_flag",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("photo_id", sa.Uuid(), nullable=True),
        sa.Column("update_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("flagged_by_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_moderation_flag_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["complaint_photo.id"], name=op.f("fk_moderation_flag_photo_id_complaint_photo")
        ),
        sa.ForeignKeyConstraint(
            ["update_id"], ["complaint_update.id"], name=op.f("fk_moderation_flag_update_id_complaint_update")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_flag")),
    )
    with op.batch_alter_table("moderation_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_flag_complaint_id"), ["complaint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_moderation_flag_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_moderation_flag_flagged_by_id"), ["flagged_by_id"], unique=False)
        batch_op.create_index(
            "ix_moderation_flag_status_created", ["status", "created_at", "id"], unique=False
        )
    op.create_table(
        "moderation_action",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_client_id", sa.String(length=64), nullable=False),
        sa.Column("flag_id", sa.Uuid(), nullable=True),
        sa.Column("original", sa.LargeBinary(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"], ["complaint.id"], name=op.f("fk_moderation_action_complaint_id_complaint")
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["moderation_flag.id"], name=op.f("fk_moderation_action_flag_id_moderation_flag")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_action")),
    )
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_moderation_action_complaint_id"), ["complaint_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_moderation_action_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("moderation_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_action_created_at"))
        batch_op.drop_index(batch_op.f("ix_moderation_action_complaint_id"))
    op.drop_table("moderation_action")
    with op.batch_alter_table("moderation_flag", schema=None) as batch_op:
        batch_op.drop_index("ix_moderation_flag_status_created")
        batch_op.drop_index(batch_op.f("ix_moderation_flag_flagged_by_id"))
        batch_op.drop_index(batch_op.f("ix_moderation_flag_created_at"))
        batch_op.drop_index(batch_op.f("ix_moderation_flag_complaint_id"))
    op.drop_table("moderation_flag")
    with op.batch_alter_table("erased_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erased_account_created_at"))
    op.drop_table("erased_account")
    op.drop_table("feed_cursor")

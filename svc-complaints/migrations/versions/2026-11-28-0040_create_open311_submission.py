"""create open311 submission

Revision ID: 3e7a1c55d0b2
Revises: 7a9e3c5b1d20
Create Date: 2026-11-28 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e7a1c55d0b2"
down_revision: str | None = "7a9e3c5b1d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open311_submission",
        sa.Column("complaint_id", sa.Uuid(), nullable=False),
        sa.Column("media_urls", sa.JSON(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaint.id"],
            name=op.f("fk_open311_submission_complaint_id"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_submission")),
        sa.UniqueConstraint("complaint_id", name=op.f("uq_open311_submission_complaint_id")),
    )
    with op.batch_alter_table("open311_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_open311_submission_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("open311_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_open311_submission_created_at"))
    op.drop_table("open311_submission")

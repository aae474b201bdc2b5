"""account email masked: the masked e-mail shown in /me (like phone_masked and nik_masked)

Revision ID: 523f9bd3047d
Revises: 5d62c97d3689
Create Date: 2026-11-27 21:12:32.930534
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "523f9bd3047d"
down_revision: str | None = "5d62c97d3689"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_masked", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("email_masked")

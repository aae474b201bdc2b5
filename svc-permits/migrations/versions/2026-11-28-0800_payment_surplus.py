"""payment surplus: a bank payment for a fee already settled (paid at the counter too) or for an application that
had ended is kept and marked `surplus`, to be refunded, instead of being refused

Revision ID: 7ac3cbd3f003
Revises: 6fb2bac2e002
Create Date: 2026-11-28 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7ac3cbd3f003"
down_revision: str | None = "6fb2bac2e002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.add_column(sa.Column("surplus", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("payment") as batch:
        batch.drop_column("surplus")

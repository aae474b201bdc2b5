"""authorization requests and code families

Pending `GET /oauth/authorize` requests (the CSRF token of the sign-in page names one), and the token family
an authorization code started, so that presenting the code again revokes it (RFC 6749 §4.1.2).

Revision ID: 5ceadbe7e82e
Revises: ca2d61cbb1ce
Create Date: 2026-11-27 21:08:56.321943
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5ceadbe7e82e"
down_revision: str | None = "ca2d61cbb1ce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authorization_request",
        sa.Column("csrf_hash", sa.String(length=64), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("state", sa.String(length=2000), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorization_request")),
        sa.UniqueConstraint("csrf_hash", name=op.f("uq_authorization_request_csrf_hash")),
    )
    with op.batch_alter_table("authorization_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorization_request_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("authorization_code", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_authorization_code_family_id"),
            "token_family",
            ["family_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("authorization_code", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_authorization_code_family_id"), type_="foreignkey")
        batch_op.drop_column("family_id")

    with op.batch_alter_table("authorization_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorization_request_created_at"))

    op.drop_table("authorization_request")

"""seal application personal data: applicant_name and form become AES-256-GCM ciphertext (LargeBinary)

Existing rows are converted with the key ring of this process's settings (PERMITS_ENCRYPTION_KEYS, or the
development ring in var/permits-dev-secrets.json), so the migration job must be given the same keys as the
service; downgrade decrypts them back.

Revision ID: 5ea1a9b1d001
Revises: 20e147b1bd83
Create Date: 2026-11-28 00:45:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from siantar_permits.personal import key_ring

revision: str = "5ea1a9b1d001"
down_revision: str | None = "20e147b1bd83"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME, FORM = "application.applicant_name", "application.form"


def upgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("applicant_name_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("form_sealed", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, applicant_name, form FROM application")).all()
    if rows:
        ring = key_ring()
        for row_id, name, form in rows:
            value = form if isinstance(form, dict) else json.loads(form or "{}")
            bind.execute(
                sa.text("UPDATE application SET applicant_name_sealed = :n, form_sealed = :f WHERE id = :i"),
                {
                    "n": ring.encrypt(name, context=NAME),
                    "f": ring.encrypt(json.dumps(value, ensure_ascii=False), context=FORM),
                    "i": row_id,
                },
            )
    with op.batch_alter_table("application") as batch:
        batch.drop_column("applicant_name")
        batch.drop_column("form")
    with op.batch_alter_table("application") as batch:
        batch.alter_column("applicant_name_sealed", new_column_name="applicant_name", nullable=False)
        batch.alter_column("form_sealed", new_column_name="form", nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("application") as batch:
        batch.add_column(sa.Column("applicant_name_plain", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("form_plain", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, applicant_name, form FROM application")).all()
    if rows:
        ring = key_ring()
        for row_id, name, form in rows:
            bind.execute(
                sa.text("UPDATE application SET applicant_name_plain = :n, form_plain = :f WHERE id = :i"),
                {
                    "n": ring.decrypt(bytes(name), context=NAME),
                    "f": ring.decrypt(bytes(form), context=FORM),  # the JSON text as sealed
                    "i": row_id,
                },
            )
    with op.batch_alter_table("application") as batch:
        batch.drop_column("applicant_name")
        batch.drop_column("form")
    with op.batch_alter_table("application") as batch:
        batch.alter_column("applicant_name_plain", new_column_name="applicant_name", nullable=False)
        batch.alter_column("form_plain", new_column_name="form", nullable=False)

"""seal permit signed fields: the essential fields as signed (the holder's name among them) become AES-256-GCM
ciphertext, like the application's personal data (see 2026-11-28-0045_seal_application_personal_data)

Existing rows are converted with the key ring of this process's settings, so the migration job must be given
the same PERMITS_ENCRYPTION_KEYS as the service; downgrade decrypts them back.

Revision ID: 6fb2bac2e002
Revises: 5ea1a9b1d001
Create Date: 2026-11-28 01:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from siantar_permits.personal import key_ring

revision: str = "6fb2bac2e002"
down_revision: str | None = "5ea1a9b1d001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIELDS = "permit.signed_fields"


def upgrade() -> None:
    with op.batch_alter_table("permit") as batch:
        batch.add_column(sa.Column("signed_fields_sealed", sa.LargeBinary(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, signed_fields FROM permit")).all()
    if rows:
        ring = key_ring()
        for row_id, fields in rows:
            value = fields if isinstance(fields, dict) else json.loads(fields or "{}")
            bind.execute(
                sa.text("UPDATE permit SET signed_fields_sealed = :f WHERE id = :i"),
                {"f": ring.encrypt(json.dumps(value, ensure_ascii=False), context=FIELDS), "i": row_id},
            )
    with op.batch_alter_table("permit") as batch:
        batch.drop_column("signed_fields")
    with op.batch_alter_table("permit") as batch:
        batch.alter_column("signed_fields_sealed", new_column_name="signed_fields", nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("permit") as batch:
        batch.add_column(sa.Column("signed_fields_plain", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, signed_fields FROM permit")).all()
    if rows:
        ring = key_ring()
        for row_id, sealed in rows:
            bind.execute(
                sa.text("UPDATE permit SET signed_fields_plain = :f WHERE id = :i"),
                {"f": ring.decrypt(bytes(sealed), context=FIELDS), "i": row_id},  # the JSON text as sealed
            )
    with op.batch_alter_table("permit") as batch:
        batch.drop_column("signed_fields")
    with op.batch_alter_table("permit") as batch:
        batch.alter_column("signed_fields_plain", new_column_name="signed_fields", nullable=False)

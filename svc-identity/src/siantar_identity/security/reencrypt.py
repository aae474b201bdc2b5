"""Key rotation for personal data: re-encrypt every ciphertext sealed with a key other than the active one.

Rotate by putting a new key first in `IDENTITY_ENCRYPTION_KEYS` (keeping the old one after it), restart,
run `python -m siantar_identity job reencrypt-personal-data` until it reports nothing left, then drop the
old key. Rows are processed in batches, each committed by the job runner's transaction at the end.
"""

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from siantar_identity.account.models import Account
from siantar_identity.oauth.models import SigningKey
from siantar_identity.privacy.models import DataRequest, NikReview
from siantar_identity.security.fieldcrypt import KeyRing

logger = logging.getLogger("siantar_identity.reencrypt")
BATCH = 500

# every encrypted column and the associated data it is sealed with
SEALED: tuple[tuple[InstrumentedAttribute[Any], str], ...] = (
    (Account.phone_ciphertext, "account.phone"),
    (Account.email_ciphertext, "account.email"),
    (Account.nik_ciphertext, "account.nik"),
    (Account.totp_secret_ciphertext, "account.totp"),
    (NikReview.nik_ciphertext, "nik_review.nik"),
    (DataRequest.details_ciphertext, "data_request.details"),
    (SigningKey.private_key_ciphertext, "signing_key.private"),
)


async def reencrypt(session: AsyncSession, ring: KeyRing, *, batch: int = BATCH) -> int:
    """Re-seal up to `batch` values per column with the active key; returns how many were re-sealed."""
    total = 0
    for column, context in SEALED:
        model = column.class_
        rows = (await session.scalars(select(model).where(column.is_not(None)))).all()
        stale = [row for row in rows if ring.key_id(getattr(row, column.key)) != ring.active][:batch]
        for row in stale:
            setattr(
                row,
                column.key,
                ring.encrypt(ring.decrypt(getattr(row, column.key), context=context), context=context),
            )
        total += len(stale)
    await session.flush()
    logger.info("re-encrypted %d values with key %s", total, ring.active)
    return total

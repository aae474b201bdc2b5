"""Key rotation for personal data: re-encrypt every ciphertext sealed with a key other than the active one, and
re-hash every keyed look-up hash (phone, e-mail, NIK) made with a key other than the current one.

Rotate the encryption key by putting a new key first in `IDENTITY_ENCRYPTION_KEYS` (keeping the old one after
it); rotate the look-up key by making the new one `IDENTITY_BLIND_INDEX_KEY` and moving the old one to
`IDENTITY_BLIND_INDEX_PREVIOUS_KEYS`. Restart, run `python -m siantar_identity job reencrypt-personal-data`
until it reports nothing left, then drop the old key. Rows are processed in batches, each committed by the job
runner's transaction at the end.
"""

import logging
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind
from siantar_identity.assurance.service import REVIEW_CONTEXT
from siantar_identity.guest import service as guests
from siantar_identity.oauth.models import SigningKey
from siantar_identity.privacy.models import DataRequest, NikReview
from siantar_identity.security.context import Crypto
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


# every keyed hash of an account: its column, the ciphertext it was made from (and that one's associated data),
# and its hash context for a person and for a guest (guests have contexts of their own: guest.service)
HASHED: tuple[tuple[str, str, str, str, str], ...] = (
    ("phone_index", "phone_ciphertext", contacts.PHONE_CONTEXT, contacts.PHONE_INDEX, guests.PHONE_INDEX),
    ("email_index", "email_ciphertext", contacts.EMAIL_CONTEXT, contacts.EMAIL_INDEX, guests.EMAIL_INDEX),
    ("nik_index", "nik_ciphertext", contacts.NIK_CONTEXT, contacts.NIK_INDEX, contacts.NIK_INDEX),
)


async def rehash(session: AsyncSession, crypto: Crypto, *, batch: int = BATCH) -> tuple[int, int]:
    """Re-hash up to `batch` keyed hashes made with a previous look-up key (from the values' ciphertexts), NIK
    review cases with their NIK; returns (re-hashed, still under an old key). Nothing to do without previous
    keys. A value whose new hash another account already holds is left as it is and logged (its id only)."""
    if not crypto.index.previous:
        return 0, 0
    done = left = 0
    wanted = or_(*(getattr(Account, column).is_not(None) for column, *_ in HASHED))
    for account in (await session.scalars(select(Account).where(wanted))).all():
        guest = account.kind == AccountKind.guest
        for column, sealed, associated, person_context, guest_context in HASHED:
            stored, ciphertext = getattr(account, column), getattr(account, sealed)
            if stored is None or ciphertext is None:
                continue  # not indexed (an unclaimed contact, a staff member's invitation address)
            value = crypto.ring.decrypt(ciphertext, context=associated)
            fresh = str(crypto.index.digest(value, context=guest_context if guest else person_context))
            if stored == fresh:
                continue
            if done >= batch:
                left += 1
                continue
            taken = select(Account.id).where(getattr(Account, column) == fresh, Account.id != account.id)
            if await session.scalar(taken) is not None:
                logger.warning(
                    "keyed hash already held by another account",
                    extra={"account_id": str(account.id), "column": column},
                )
                left += 1
                continue
            setattr(account, column, fresh)
            done += 1
    for review in (await session.scalars(select(NikReview).where(NikReview.nik_index.is_not(None)))).all():
        nik = crypto.ring.decrypt(review.nik_ciphertext, context=REVIEW_CONTEXT)
        fresh = str(crypto.index.digest(nik, context=contacts.NIK_INDEX))
        if review.nik_index == fresh:
            continue
        if done >= batch:
            left += 1
            continue
        review.nik_index = fresh
        done += 1
    await session.flush()
    logger.info("re-hashed %d look-up hashes with the current key, %d left under an old key", done, left)
    return done, left

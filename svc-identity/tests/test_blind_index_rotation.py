"""Rotating the look-up key of phones, e-mails and NIKs (`IDENTITY_BLIND_INDEX_KEY`, deploy/README.md): with the
old key in `IDENTITY_BLIND_INDEX_PREVIOUS_KEYS`, every look-up still finds what was hashed with it, new values are
hashed with the new key, and `job reencrypt-personal-data` re-hashes the stored ones from their ciphertexts, NIK
review cases included, until the old key can go."""

import hashlib
import hmac
from dataclasses import replace
from pathlib import Path
from typing import Any

from factories_account import (
    ACCOUNTS,
    NIK_OTHER,
    NIK_SIANTAR,
    bearer,
    create_citizen,
    last_code,
    new_email,
    registration,
)
from factories_oauth import PASSWORD, citizen_app, password_grant, phone_of
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account
from siantar_identity.assurance.service import REVIEW_CONTEXT
from siantar_identity.config import Settings
from siantar_identity.guest.service import PHONE_INDEX as GUEST_PHONE
from siantar_identity.privacy.models import NikReview
from siantar_identity.security.context import Crypto
from siantar_identity.security.fieldcrypt import BlindIndex, Digest, candidates, matches
from siantar_identity.security.reencrypt import rehash
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

NEW_KEY = b"a new look-up key, 32 bytes or more"


def rotated(crypto: Crypto) -> Crypto:
    """The same keys, but a new look-up key with the current one as the previous."""
    return replace(crypto, index=BlindIndex(NEW_KEY, previous=(crypto.index.key,)))


def without_previous(crypto: Crypto) -> Crypto:
    return replace(crypto, index=BlindIndex(crypto.index.key))


def hmac_hex(key: bytes, value: str, context: str) -> str:
    return hmac.new(key, context.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()


class TestDigests:
    def test_the_digest_is_the_current_keys_and_carries_the_previous_ones(self) -> None:
        index = BlindIndex(b"new", previous=(b"old", b"older"))
        digest = index.digest("+6281234567890", context="phone")
        assert isinstance(digest, Digest)
        assert digest == hmac_hex(b"new", "+6281234567890", "phone")  # what is stored
        assert candidates(digest) == tuple(hmac_hex(k, "+6281234567890", "phone") for k in (b"new", b"old", b"older"))  # fmt: skip
        assert BlindIndex(b"new").digest("+6281234567890", context="phone") == digest  # same without previous

    def test_matches_takes_any_key_and_never_none(self) -> None:
        digest = BlindIndex(b"new", previous=(b"old",)).digest("x", context="nik")
        assert matches(digest, hmac_hex(b"old", "x", "nik"))
        assert matches(digest, str(digest))
        assert not matches(digest, hmac_hex(b"other", "x", "nik"))
        assert not matches(digest, None)
        assert candidates("stored") == ("stored",)  # a stored hash stands for itself only


async def count_accounts(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


async def test_look_ups_during_a_rotation_then_the_job_then_the_old_key_gone(
    client: AsyncClient,
    session: AsyncSession,
    settings: Settings,
    app_state: dict[str, Any],
    test_keys: TestKeys,
) -> None:
    app = await citizen_app(session, settings)
    email = new_email()
    person = await create_citizen(session, settings, email=email, nik=NIK_SIANTAR, level=1, password=PASSWORD)
    phone = phone_of(settings, person)
    old = app_state["crypto"]
    old_phone_index = person.phone_index

    during = app_state["crypto"] = rotated(old)
    # sign-in by phone and by e-mail find the account hashed under the old key
    assert (await password_grant(client, app, phone)).status_code == 200
    assert (await password_grant(client, app, email)).status_code == 200
    # registering the same phone again meets the existing account: no second one
    before = await count_accounts(session)
    response = await client.post(ACCOUNTS, json=registration(phone=phone))
    assert response.status_code == 202, response.text
    assert await count_accounts(session) == before
    # a NIK claimed by someone else is found held under the old key: a review case, not a second holder
    other = await create_citizen(session, settings, password=PASSWORD)
    claimed = await client.post(
        "/identity/v1/me/nik", json={"nik": NIK_SIANTAR}, headers=bearer(test_keys, other)
    )
    assert claimed.status_code in (200, 202), claimed.text
    review = (await session.scalars(select(NikReview).where(NikReview.account_id == other.id))).one()
    assert review.holder_id == person.id  # found although hashed under the old key
    assert review.nik_index == hmac_hex(NEW_KEY, NIK_SIANTAR, contacts.NIK_INDEX)  # a new case: the new key
    assert person.nik_index == hmac_hex(old.index.key, NIK_SIANTAR, contacts.NIK_INDEX)

    # the job re-hashes the phone, e-mail and NIK (and the other citizen's phone) with the new key, then has
    # nothing left
    assert await rehash(session, during) == (4, 0)
    assert person.phone_index == hmac_hex(NEW_KEY, phone, contacts.PHONE_INDEX) != old_phone_index
    assert person.email_index == hmac_hex(NEW_KEY, email, contacts.EMAIL_INDEX)
    assert person.nik_index == review.nik_index == hmac_hex(NEW_KEY, NIK_SIANTAR, contacts.NIK_INDEX)
    assert await rehash(session, during) == (0, 0)

    # the old key gone: everything is found with the new one alone
    app_state["crypto"] = without_previous(during)
    assert (await password_grant(client, app, phone)).status_code == 200
    assert (await password_grant(client, app, email)).status_code == 200


async def test_the_job_keeps_guest_contexts_and_leaves_unindexed_values(
    session: AsyncSession, settings: Settings, app_state: dict[str, Any]
) -> None:
    old = app_state["crypto"]
    guest = await save(
        session,
        Account(
            kind="guest",
            status="active",
            phone_ciphertext=old.ring.encrypt("+6281299990000", context=contacts.PHONE_CONTEXT),
            phone_index=str(old.index.digest("+6281299990000", context=GUEST_PHONE)),
        ),
    )
    unclaimed = await save(
        session,
        Account(
            kind="citizen",
            status="pending",
            nik_ciphertext=old.ring.encrypt(NIK_OTHER, context=contacts.NIK_CONTEXT),
        ),
    )
    review = await save(
        session,
        NikReview(
            account_id=guest.id,
            nik_ciphertext=old.ring.encrypt(NIK_OTHER, context=REVIEW_CONTEXT),
            nik_index=str(old.index.digest(NIK_OTHER, context=contacts.NIK_INDEX)),
            nik_masked="1272********0002",
        ),
    )
    assert await rehash(session, rotated(old), batch=1) == (1, 1)  # one per run here: one left
    assert await rehash(session, rotated(old), batch=1) == (1, 0)
    assert guest.phone_index == hmac_hex(NEW_KEY, "+6281299990000", GUEST_PHONE)  # a guest's own context
    assert review.nik_index == hmac_hex(NEW_KEY, NIK_OTHER, contacts.NIK_INDEX)
    assert unclaimed.nik_index is None  # an unclaimed NIK has no hash to renew
    assert await rehash(session, without_previous(old)) == (0, 0)  # no previous key: nothing to do


async def test_a_code_sent_before_the_rotation_is_still_accepted(
    client: AsyncClient, session: AsyncSession, app_state: dict[str, Any], outbox: Path
) -> None:
    body = registration()
    assert (await client.post(ACCOUNTS, json=body)).status_code == 202
    code = last_code(outbox, body["phone"])
    app_state["crypto"] = rotated(app_state["crypto"])  # the code's target was hashed with the old key
    response = await client.post(f"{ACCOUNTS}/verify-phone", json={"phone": body["phone"], "code": code})
    assert response.status_code == 200, response.text

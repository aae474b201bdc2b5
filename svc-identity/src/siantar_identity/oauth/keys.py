"""Token signing keys: RSA 2048 / RS256 (what Kong OSS's jwt plugin and every JWT library verify), made by
the service itself and kept in `signing_key`, the private half encrypted with the field-encryption key ring
(context "signing_key.private"), so that every replica signs with the same key.

A key's life: made (published in the JWKS at once), active from `activated_at` (it signs), retired at
`retired_at` (it stops signing), published until `publish_until` (tokens it signed still verify), then
left out of the JWKS. The first key is made on first need; two replicas racing to make it both try the same
`kid` (`siantar-<generation>`, unique), the loser's insert fails and it reads the winner's key. Rotation
(`python -m siantar_identity rotate-signing-key`, see `oauth.rotation`) publishes the next key a little
before it signs, so that verifiers caching the JWKS know it before the first token signed with it arrives.
"""

import logging
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.oauth.models import SigningKey
from siantar_identity.security.fieldcrypt import KeyRing
from siantar_shared.threads import run_cpu_bound

ALGORITHM = "RS256"
KEY_SIZE = 2048
PRIVATE_KEY_CONTEXT = "signing_key.private"
KID_PREFIX = "siantar-"
ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - the `typ` of RFC 9068 §2.1
logger = logging.getLogger("siantar_identity.oauth.keys")


def signs_at(at: datetime) -> ColumnElement[bool]:
    """Keys that sign at `at`: activated, not yet retired."""
    return and_(
        SigningKey.activated_at.is_not(None),
        SigningKey.activated_at <= at,
        or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > at),
    )


def published_at(at: datetime) -> ColumnElement[bool]:
    """Keys in the JWKS at `at`: those whose tokens may still be alive, and the next key before it signs."""
    return or_(SigningKey.publish_until.is_(None), SigningKey.publish_until > at)


async def active_key(session: AsyncSession, *, at: datetime) -> SigningKey | None:
    """The key that signs at `at` (the most recently activated one)."""
    statement = (
        select(SigningKey)
        .where(signs_at(at))
        .order_by(SigningKey.activated_at.desc(), SigningKey.kid.desc())
        .limit(1)
    )
    return (await session.scalars(statement)).first()


async def ensure_active_key(session: AsyncSession, ring: KeyRing, *, at: datetime) -> SigningKey:
    """The active key, made now if there is none (first start, or every key retired)."""
    key = await active_key(session, at=at)
    if key is not None:
        return key
    generation = await next_generation(session)
    candidate = await new_signing_key(ring, generation=generation, made_at=at, activated_at=at)
    try:
        async with session.begin_nested():
            session.add(candidate)
        logger.info("made signing key %s", candidate.kid)
    except IntegrityError:  # another replica made this generation first: use theirs
        logger.info("signing key %s was made by another replica", candidate.kid)
    key = await active_key(session, at=at)
    if key is None:
        raise RuntimeError("no active signing key after making one")
    return key


async def published_keys(session: AsyncSession, *, at: datetime) -> list[SigningKey]:
    statement = select(SigningKey).where(published_at(at)).order_by(SigningKey.created_at.desc())
    return list((await session.scalars(statement)).all())


def jwks_document(keys: list[SigningKey]) -> dict[str, list[dict[str, str]]]:
    """The JWK Set (RFC 7517) of the public halves: `kty`, `n`, `e`, `kid`, `alg`, `use`."""
    return {"keys": [dict(key.public_jwk) for key in keys]}


async def next_generation(session: AsyncSession) -> int:
    kids = (await session.scalars(select(SigningKey.kid))).all()
    return 1 + max((_generation(kid) for kid in kids), default=0)


def _generation(kid: str) -> int:
    number = kid.removeprefix(KID_PREFIX)
    return int(number) if kid.startswith(KID_PREFIX) and number.isascii() and number.isdigit() else 0


async def new_signing_key(
    ring: KeyRing, *, generation: int, made_at: datetime, activated_at: datetime
) -> SigningKey:
    """A fresh RSA key pair (generated off the event loop), its private half sealed with the key ring."""
    private = await run_cpu_bound(rsa.generate_private_key, public_exponent=65537, key_size=KEY_SIZE)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = f"{KID_PREFIX}{generation}"
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    public_jwk = {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"], "kid": kid, "alg": ALGORITHM, "use": "sig"}
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_key_ciphertext=ring.encrypt(pem, context=PRIVATE_KEY_CONTEXT),
        public_jwk=public_jwk,
        activated_at=activated_at,
        created_at=made_at,
    )


class Signer:
    """Signs tokens with the active key; private keys are decrypted once per `kid` and kept in memory. Access
    tokens carry `typ: at+jwt` (RFC 9068), ID tokens `typ: JWT`, so that neither passes for the other."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._private: dict[str, rsa.RSAPrivateKey] = {}

    async def sign(
        self, session: AsyncSession, claims: dict[str, Any], *, at: datetime, typ: str = ACCESS_TOKEN_TYPE
    ) -> str:
        key = await ensure_active_key(session, self.ring, at=at)
        headers = {"kid": key.kid, "typ": typ}
        return jwt.encode(claims, self._private_key(key), algorithm=key.algorithm, headers=headers)

    def _private_key(self, key: SigningKey) -> rsa.RSAPrivateKey:
        cached = self._private.get(key.kid)
        if cached is None:
            pem = self.ring.decrypt(key.private_key_ciphertext, context=PRIVATE_KEY_CONTEXT)
            loaded = serialization.load_pem_private_key(pem.encode(), password=None)
            if not isinstance(loaded, rsa.RSAPrivateKey):
                raise TypeError(f"signing key {key.kid} is not an RSA key")
            cached = self._private[key.kid] = loaded
        return cached

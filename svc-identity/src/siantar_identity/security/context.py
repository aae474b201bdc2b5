"""The keys of svc-identity, built once from settings and shared through the request state."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from siantar_identity.config import Settings
from siantar_identity.security.fieldcrypt import BlindIndex, KeyRing
from siantar_identity.security.secrets import peppered_hash


@dataclass(frozen=True)
class Crypto:
    """Field encryption (`ring`), keyed look-up hashes (`index`) and the pepper for client secrets/API keys."""

    ring: KeyRing
    index: BlindIndex
    pepper: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "Crypto":
        previous = settings.BLIND_INDEX_PREVIOUS_KEYS
        return cls(
            ring=KeyRing.parse(settings.ENCRYPTION_KEYS.get_secret_value()),
            index=BlindIndex(
                settings.BLIND_INDEX_KEY.get_secret_value().encode(),
                previous=tuple(
                    key.strip().encode()
                    for key in (previous.get_secret_value() if previous else "").split(",")
                    if key.strip()
                ),
            ),
            pepper=settings.API_KEY_PEPPER.get_secret_value(),
        )

    def secret_hash(self, secret: str) -> str:
        return peppered_hash(secret, self.pepper)


def get_crypto(request: Request) -> Crypto:
    crypto: Crypto = request.state.crypto
    return crypto


CryptoDep = Annotated[Crypto, Depends(get_crypto)]

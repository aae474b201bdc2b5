"""Personal data at rest in svc-identity: the key ring of `siantar_shared.fieldcrypt` (AES-256-GCM), and keyed
hashes (blind indexes) for look-up.

Rotating means adding a new key first in `IDENTITY_ENCRYPTION_KEYS` (it encrypts from then on) and
re-encrypting old rows with `python -m siantar_identity job reencrypt-personal-data` before dropping the old
key. The associated data binds a ciphertext to its column (e.g. "account.nik").
"""

import hashlib
import hmac
from dataclasses import dataclass

from siantar_shared.fieldcrypt import FORMAT_VERSION, NONCE_BYTES, DecryptionError, KeyRing, KeyRingError

__all__ = [
    "FORMAT_VERSION",
    "NONCE_BYTES",
    "BlindIndex",
    "DecryptionError",
    "Digest",
    "KeyRing",
    "KeyRingError",
    "candidates",
    "matches",
]


class Digest(str):
    """A keyed hash under the current key (the string itself) that also carries the same value's hashes under
    the previous keys (`candidates`, the current one first), for look-ups during a key rotation."""

    candidates: tuple[str, ...]


@dataclass(frozen=True)
class BlindIndex:
    """Keyed hashes: equal inputs give equal hex digests, and nothing can be read back without the key.

    Rotation: the new key becomes `key` and the old one goes into `previous`; new and changed values are hashed
    with the new key, look-ups match a value under any of them (`candidates`, `matches`), and
    `python -m siantar_identity job reencrypt-personal-data` re-hashes the stored ones (from their ciphertexts)
    until none is left under an old key, which can then be dropped."""

    key: bytes
    previous: tuple[bytes, ...] = ()

    def digest(self, value: str, *, context: str) -> Digest:
        message = context.encode() + b"\x00" + value.encode()
        digest = Digest(hmac.new(self.key, message, hashlib.sha256).hexdigest())
        digest.candidates = (
            digest,
            *(hmac.new(key, message, hashlib.sha256).hexdigest() for key in self.previous),
        )
        return digest


def candidates(index: str) -> tuple[str, ...]:
    """The stored forms a look-up by `index` must match: under every key of the ring for a computed `Digest`,
    only itself for a stored one."""
    return index.candidates if isinstance(index, Digest) else (index,)


def matches(index: str, stored: str | None) -> bool:
    """Whether a stored keyed hash is `index`'s value under any key of the ring."""
    return stored is not None and stored in candidates(index)

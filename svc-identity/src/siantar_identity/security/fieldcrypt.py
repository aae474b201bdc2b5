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

__all__ = ["FORMAT_VERSION", "NONCE_BYTES", "BlindIndex", "DecryptionError", "KeyRing", "KeyRingError"]


@dataclass(frozen=True)
class BlindIndex:
    """Keyed hashes: equal inputs give equal hex digests, and nothing can be read back without the key."""

    key: bytes

    def digest(self, value: str, *, context: str) -> str:
        message = context.encode() + b"\x00" + value.encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

"""Personal data at rest: AES-256-GCM with a rotatable key ring (every service that stores personal data).

A ciphertext is `version(1) | kid length(1) | kid | nonce(12) | ciphertext+tag`; the key id travels with the
data, so rotating means adding a new key first in the service's `<SERVICE>_ENCRYPTION_KEYS` (it encrypts from
then on) and re-encrypting old rows before dropping the old key. The associated data (`context`) binds a
ciphertext to its column (e.g. "account.nik"), so a value copied into another column does not decrypt.
"""

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12


class KeyRingError(ValueError):
    """The configured key ring is malformed."""


class DecryptionError(ValueError):
    """A ciphertext is corrupt, or its key is not in the ring any more."""


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id; `active` encrypts, every key decrypts."""

    keys: dict[str, bytes]
    active: str

    @classmethod
    def parse(cls, spec: str) -> "KeyRing":
        """Parse `kid:base64key,kid2:base64key` (the first is active); each key is 32 bytes."""
        keys: dict[str, bytes] = {}
        for entry in filter(None, (part.strip() for part in spec.split(","))):
            kid, _, encoded = entry.partition(":")
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise KeyRingError(f"key {kid!r} is not base64") from exc
            if not kid or len(kid) > 32 or len(key) != 32:
                raise KeyRingError(f"key {kid!r} must have an id of 1-32 characters and 32 bytes")
            keys[kid] = key
        if not keys:
            raise KeyRingError("no encryption key configured")
        return cls(keys, next(iter(keys)))

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        kid = self.active.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode(), context.encode())
        return bytes([FORMAT_VERSION, len(kid)]) + kid + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str) -> str:
        if len(blob) < 2 or blob[0] != FORMAT_VERSION:
            raise DecryptionError("unknown ciphertext format")
        kid_end = 2 + blob[1]
        kid = blob[2:kid_end].decode(errors="replace")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"key {kid!r} is not in the key ring")
        nonce, sealed = blob[kid_end : kid_end + NONCE_BYTES], blob[kid_end + NONCE_BYTES :]
        try:
            return AESGCM(key).decrypt(nonce, sealed, context.encode()).decode()
        except InvalidTag as exc:
            raise DecryptionError("ciphertext does not authenticate") from exc

    def key_id(self, blob: bytes) -> str:
        """The id of the key that sealed `blob` (to find rows to re-encrypt)."""
        return blob[2 : 2 + blob[1]].decode(errors="replace")

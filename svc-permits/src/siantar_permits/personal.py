"""Personal data at rest: the applicant's name and the application form are sealed with AES-256-GCM
(`siantar_shared.fieldcrypt`) by their column types, so that every read and write through the ORM is encrypted
and decrypted without the services seeing it, and the database holds only ciphertext.

The key ring is `PERMITS_ENCRYPTION_KEYS` ("kid:base64(32 bytes)", comma-separated, the first encrypts): the app
factory and the job runner install it from their settings (`use_key_ring`); any other process of the service
(seed, migrations, a shell) reads it from its environment on first use. The associated data names the column
("application.applicant_name"), so a ciphertext copied into another column does not decrypt. Sealed columns
cannot be filtered or sorted in SQL: nothing in svc-permits does (look-ups go by id, reference, applicant_id).
"""

import json
from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from siantar_permits.config import Settings
from siantar_shared.fieldcrypt import KeyRing

_ring: KeyRing | None = None


def use_key_ring(settings: Settings) -> KeyRing:
    """Install the key ring of these settings for this process (the app factory, the job runner, tests)."""
    global _ring
    _ring = KeyRing.parse(settings.ENCRYPTION_KEYS.get_secret_value())
    return _ring


def key_ring() -> KeyRing:
    return _ring if _ring is not None else use_key_ring(Settings())


class SealedText(TypeDecorator[str]):
    """A string stored as AES-GCM ciphertext bound to `context` (the column's name)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else key_ring().encrypt(value, context=self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        return None if value is None else key_ring().decrypt(bytes(value), context=self.context)


class SealedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object stored as AES-GCM ciphertext bound to `context` (the column's name)."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        return key_ring().encrypt(json.dumps(value, ensure_ascii=False), context=self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> dict[str, Any] | None:
        if value is None:
            return None
        decoded: dict[str, Any] = json.loads(key_ring().decrypt(bytes(value), context=self.context))
        return decoded

"""Originals replaced by moderators, encrypted at rest (AES-256-GCM, the complaint id as associated data).

The key is `COMPLAINTS_MODERATION_KEY` (32 bytes, base64url), required in production. In development and
tests a key is generated once and kept in `<VAR_DIR>/complaints-dev-moderation.key` (mode 0600), so that
originals stay readable across restarts.
"""

import base64
import binascii
import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from siantar_complaints.config import Settings

NONCE_BYTES = 12
DEV_KEY_FILE = "complaints-dev-moderation.key"


class VaultKeyMissing(RuntimeError):
    pass


def _decode(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise VaultKeyMissing("COMPLAINTS_MODERATION_KEY is not base64url") from exc
    if len(key) != 32:
        raise VaultKeyMissing("COMPLAINTS_MODERATION_KEY must be 32 bytes")
    return key


@lru_cache(maxsize=4)
def _dev_key(var_dir: Path) -> bytes:
    path = var_dir / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return _decode(path.read_text().strip())


def key_for(settings: Settings) -> bytes:
    configured = settings.MODERATION_KEY
    if configured is not None:
        return _decode(configured.get_secret_value())
    if settings.is_production:
        raise VaultKeyMissing("COMPLAINTS_MODERATION_KEY is required in production")
    return _dev_key(settings.VAR_DIR)


def seal(key: bytes, complaint_id: UUID, values: dict[str, Any]) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(values, ensure_ascii=False).encode()
    return nonce + AESGCM(key).encrypt(nonce, plain, complaint_id.bytes)


def unseal(key: bytes, complaint_id: UUID, sealed: bytes) -> dict[str, Any]:
    nonce, box = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    values: dict[str, Any] = json.loads(AESGCM(key).decrypt(nonce, box, complaint_id.bytes))
    return values

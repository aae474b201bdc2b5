"""Settings of svc-identity: every variable starts with `IDENTITY_` (e.g. `IDENTITY_DATABASE_URL`).

Secrets (the field-encryption key ring, the blind-index key, the API-key pepper) are required in production.
In development they are generated once and kept in `var/identity-dev-secrets.json` (owner-only), so that
a restart can still decrypt what it stored; that file is refused in production.
"""

import base64
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from siantar_shared.settings import ServiceSettings

DEV_SECRETS_FILE = "identity-dev-secrets.json"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_")
    SERVICE: ClassVar[str] = "identity"
    USES_STORAGE: ClassVar[bool] = False  # identity keeps no files
    DEV_ONLY_VALUES: ClassVar[dict[str, frozenset[str]]] = {
        "SMS_NOTIFIER": frozenset({"development"}),
        "WHATSAPP_NOTIFIER": frozenset({"development"}),
        "PUSH_NOTIFIER": frozenset({"development"}),
        "EMAIL_NOTIFIER": frozenset({"development"}),
        "DUKCAPIL_VERIFIER": frozenset({"development"}),
        "BREACHED_PASSWORD_CHECK": frozenset({"development"}),
    }
    PORT: int = Field(default=8001, ge=1, le=65535)

    # Public URL of identity through the gateway: the issuer is PUBLIC_URL + "/identity"
    PUBLIC_URL: str = "http://127.0.0.1:8000"
    # "kid:base64(32 bytes)" entries, comma-separated; the first encrypts, all decrypt (rotation)
    ENCRYPTION_KEYS: SecretStr = SecretStr("")
    # HMAC key for the keyed hashes used to look up NIK, phone and email without decrypting them
    BLIND_INDEX_KEY: SecretStr = SecretStr("")
    # during a rotation of BLIND_INDEX_KEY: the old key(s), comma-separated, still matched by look-ups until
    # `job reencrypt-personal-data` has re-hashed every stored value (deploy/README.md)
    BLIND_INDEX_PREVIOUS_KEYS: SecretStr | None = None
    # HMAC pepper for API keys and client secrets (stored as HMACs, never in clear)
    API_KEY_PEPPER: SecretStr = SecretStr("")

    ACCESS_TOKEN_TTL: timedelta = timedelta(minutes=10)
    AUTHORIZATION_CODE_TTL: timedelta = timedelta(seconds=60)
    STAFF_REFRESH_LIFETIME: timedelta = timedelta(hours=12)
    CITIZEN_REFRESH_LIFETIME: timedelta = timedelta(days=90)
    THIRD_PARTY_REFRESH_LIFETIME: timedelta = timedelta(days=30)
    SIGNING_KEY_OVERLAP: timedelta = timedelta(hours=1)

    OTP_TTL: timedelta = timedelta(minutes=5)
    OTP_MAX_ATTEMPTS: int = 5
    OTP_MAX_SENDS_PER_HOUR: int = 3
    MAX_FAILURES_PER_HOUR: int = 100
    # messages other services may send to one person in any hour (identity's own codes are not counted)
    NOTIFY_MAX_PER_HOUR: int = Field(default=10, ge=1, le=1000)

    # per channel: "development" (writes var/outbox/, refused in production), "none" (switched off), or a
    # provider adapter ("smtp" for e-mail; SMS, WhatsApp and push providers plug in behind notifiers.Notifier)
    SMS_NOTIFIER: str = "development"
    WHATSAPP_NOTIFIER: str = "development"
    PUSH_NOTIFIER: str = "development"
    EMAIL_NOTIFIER: str = "development"  # or "smtp"
    SMTP_HOST: str = ""
    SMTP_PORT: int = 587
    SMTP_USERNAME: str = ""
    SMTP_PASSWORD: SecretStr | None = None
    SMTP_FROM: str = "Pemko Pematangsiantar <no-reply@pematangsiantar.go.id>"
    SMTP_STARTTLS: bool = True
    DUKCAPIL_VERIFIER: str = "development"  # or "pks"
    DUKCAPIL_PKS_URL: str = ""
    BREACHED_PASSWORD_CHECK: str = "development"  # noqa: S105 - or "hibp" (k-anonymity range API)

    @property
    def issuer(self) -> str:
        return f"{self.PUBLIC_URL.rstrip('/')}/identity"

    @model_validator(mode="after")
    def _development_secrets(self) -> Self:
        if self.is_production:
            return self
        generated = _dev_secrets(self.VAR_DIR / DEV_SECRETS_FILE)
        for name in ("ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "API_KEY_PEPPER"):
            if not getattr(self, name).get_secret_value():
                setattr(self, name, SecretStr(generated[name]))
        return self


def _dev_secrets(path: Path) -> dict[str, str]:
    """Development secrets, made once and kept beside the development database."""
    if path.is_file():
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return stored
    values = {
        "ENCRYPTION_KEYS": "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "API_KEY_PEPPER": secrets.token_urlsafe(32),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    return values

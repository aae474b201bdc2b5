"""Settings of svc-permits: every variable starts with `PERMITS_` (e.g. `PERMITS_DATABASE_URL`).

Secrets (the bank callback's HMAC secret, the development signing key, the key ring sealing personal data) are
generated once in development and kept in `var/permits-dev-secrets.json` (owner-only), so that a restart still
verifies what it signed and reads what it sealed; that file is never read in production, where the bank secret
and the encryption keys are required and the signer must be BSrE.
"""

import base64
import json
import os
import secrets
from pathlib import Path
from typing import ClassVar, Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from siantar_shared.settings import ServiceSettings

DEV_SECRETS_FILE = "permits-dev-secrets.json"
SignerName = Literal["development", "bsre"]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PERMITS_")
    SERVICE: ClassVar[str] = "permits"
    REQUIRED_IN_PRODUCTION: ClassVar[frozenset[str]] = frozenset(
        {"IDENTITY_CLIENT_SECRET", "ENCRYPTION_KEYS"}
    )
    DEV_ONLY_VALUES: ClassVar[dict[str, frozenset[str]]] = {"SIGNER": frozenset({"development"})}
    PORT: int = Field(default=8003, ge=1, le=65535)
    # public address of the platform (the gateway): printed in each permit's QR code as <it>/permits/v1/verify/<code>
    PUBLIC_URL: str = "http://localhost:8000"
    # issuer named on permits and on the verification page
    ISSUER_NAME: str = "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Pematangsiantar"

    # personal data at rest (applicant name, application form): "kid:base64(32 bytes)" entries, comma-separated;
    # the first encrypts, all decrypt (rotation); generated into var/permits-dev-secrets.json in development
    ENCRYPTION_KEYS: SecretStr = SecretStr("")

    # --- issuance: the signature over a permit's essential fields (issuance/signing.py) ---
    # "development" = Ed25519 with SIGNING_KEY (refused in production); "bsre" = BSrE (BSSN) signing service
    SIGNER: SignerName = "development"
    # development signer's private key: base64 of a 32-byte Ed25519 seed or of PKCS#8 DER, or PKCS#8 PEM;
    # generated into var/permits-dev-secrets.json when not given (development only)
    SIGNING_KEY: SecretStr | None = None
    # earlier public keys (base64 raw 32 bytes or SubjectPublicKeyInfo DER), comma-separated: permits signed
    # before a key rotation still verify
    SIGNING_PREVIOUS_PUBLIC_KEYS: str = ""
    # BSrE signing endpoint (https) and the city's client credentials, for SIGNER=bsre
    BSRE_URL: str = ""
    BSRE_CLIENT_ID: str = ""
    BSRE_CLIENT_SECRET: SecretStr | None = None
    BSRE_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)

    # --- payment: the bank's signed callback (payment/callback.py) ---
    # HMAC-SHA256 secret shared with the bank (required in production)
    BANK_CALLBACK_SECRET: SecretStr = SecretStr("")
    # largest accepted difference between X-Bank-Timestamp and our clock, in seconds (replay window)
    BANK_CALLBACK_TOLERANCE_SECONDS: int = Field(default=300, ge=30, le=3600)

    @model_validator(mode="after")
    def _signer_and_secrets(self) -> Self:
        if self.SIGNER == "bsre":
            problems = []
            if not self.BSRE_URL.startswith("https://"):
                problems.append("BSRE_URL must be an https:// URL with SIGNER=bsre")
            if not self.BSRE_CLIENT_ID.strip():
                problems.append("BSRE_CLIENT_ID is required with SIGNER=bsre")
            if self.BSRE_CLIENT_SECRET is None or not self.BSRE_CLIENT_SECRET.get_secret_value().strip():
                problems.append("BSRE_CLIENT_SECRET is required with SIGNER=bsre")
            if problems:
                raise ValueError("; ".join(problems))
        if self.is_production:
            return self
        generated = _dev_secrets(self.VAR_DIR / DEV_SECRETS_FILE)
        if self.SIGNING_KEY is None or not self.SIGNING_KEY.get_secret_value().strip():
            self.SIGNING_KEY = SecretStr(generated["SIGNING_KEY"])
        if not self.BANK_CALLBACK_SECRET.get_secret_value():
            self.BANK_CALLBACK_SECRET = SecretStr(generated["BANK_CALLBACK_SECRET"])
        if not self.ENCRYPTION_KEYS.get_secret_value():
            self.ENCRYPTION_KEYS = SecretStr(generated["ENCRYPTION_KEYS"])
        return self


def _dev_secrets(path: Path) -> dict[str, str]:
    """Development secrets, made once and kept beside the development database. Written to a temporary file
    and linked into place, so that concurrent first starts (test workers) agree on one set."""
    if path.is_file():
        return _read_dev_secrets(path)
    values = _new_dev_secrets()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(values, handle)
    try:
        os.link(temporary, path)  # fails if another process got there first: use theirs
    except FileExistsError:
        values = _read_dev_secrets(path)
    finally:
        temporary.unlink()
    return values


def _new_dev_secrets() -> dict[str, str]:
    return {
        "SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),  # an Ed25519 seed
        "BANK_CALLBACK_SECRET": secrets.token_urlsafe(32),
        "ENCRYPTION_KEYS": "dev1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def _read_dev_secrets(path: Path) -> dict[str, str]:
    stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    if "ENCRYPTION_KEYS" not in stored:
        stored = _add_encryption_keys(path)
    missing = {"SIGNING_KEY", "BANK_CALLBACK_SECRET", "ENCRYPTION_KEYS"} - stored.keys()
    if missing:
        raise ValueError(f"{path} lacks {', '.join(sorted(missing))}: delete it to generate new ones")
    return stored


def _add_encryption_keys(path: Path) -> dict[str, str]:
    """A file from before personal data was sealed: add a key ring to it (keeping its other secrets), under an
    exclusive lock so that concurrent first starts agree on one ring."""
    import fcntl

    with open(path.with_name(f".{path.name}.lock"), "a", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        if "ENCRYPTION_KEYS" in stored:
            return stored
        stored["ENCRYPTION_KEYS"] = _new_dev_secrets()["ENCRYPTION_KEYS"]
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(stored, handle)
        os.replace(temporary, path)
        return stored

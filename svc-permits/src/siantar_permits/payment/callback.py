"""Authentication of the bank's payment callback: an HMAC-SHA256 signature over a timestamp and the raw body.

The bank (or BPKPD's payment gateway) sends two headers with every callback:

- `X-Bank-Timestamp`: the time of sending, in Unix seconds (ASCII digits);
- `X-Bank-Signature`: lower-case hex of HMAC-SHA256(secret, f"{timestamp}." + raw body bytes).

The body is signed exactly as received (never re-serialised JSON), so the endpoint must read the raw bytes
before parsing them. A timestamp further than `tolerance_seconds` from our clock, in either direction, is
refused: a captured callback cannot be replayed later. Within the window a replay is still possible, so the
endpoint must also be idempotent on the payment reference (the bank retries, too).

The secret is shared with the bank out of band (setting `PERMITS_BANK_CALLBACK_SECRET`); it is never logged.
"""

import hashlib
import hmac
import re
from datetime import datetime

from siantar_shared.errors import AppError
from siantar_shared.i18n import Text

TIMESTAMP_HEADER = "X-Bank-Timestamp"
SIGNATURE_HEADER = "X-Bank-Signature"

_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only (str.isdigit() would accept "١٢٣")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")  # SHA-256 = 32 bytes = 64 hex digits


class BankSignatureInvalid(AppError):
    """The callback is not proven to come from the bank: missing, malformed, wrong or stale signature."""

    status, slug = 401, "bank-signature-invalid"
    title = Text("Tanda tangan bank tidak sah", "Bank signature is not valid")

    def __init__(self, detail: Text) -> None:
        # RFC 9110: a 401 carries a challenge; this scheme is ours, named after the header
        super().__init__(detail, headers={"WWW-Authenticate": f'HMAC-SHA256 header="{SIGNATURE_HEADER}"'})


MISSING = Text(
    f"Header {TIMESTAMP_HEADER} dan {SIGNATURE_HEADER} wajib ada.",
    f"The {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} headers are required.",
)
MALFORMED = Text(
    f"{TIMESTAMP_HEADER} harus detik Unix dan {SIGNATURE_HEADER} 64 digit heksadesimal.",
    f"{TIMESTAMP_HEADER} must be Unix seconds and {SIGNATURE_HEADER} 64 hexadecimal digits.",
)
STALE = Text(
    "Waktu pengiriman di luar batas toleransi; permintaan lama tidak diterima.",
    "The timestamp is outside the allowed window; old requests are not accepted.",
)
MISMATCH = Text(
    "Tanda tangan tidak cocok dengan isi permintaan.",
    "The signature does not match the request body.",
)


def _mac(secret: bytes, body: bytes, timestamp: str) -> str:
    return hmac.new(secret, f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()


def sign_bank_callback(secret: bytes, body: bytes, timestamp: str) -> str:
    """The `X-Bank-Signature` value for `body` sent at `timestamp` (Unix seconds, as a string): what the bank
    computes. Used by tests and the development bank simulator."""
    if not secret:
        raise ValueError("the bank callback secret is empty")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise ValueError("the timestamp must be Unix seconds in ASCII digits")
    return _mac(secret, body, timestamp)


def verify_bank_signature(
    secret: bytes,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: datetime,
    tolerance_seconds: int,
) -> None:
    """Return when `signature` proves that the bank sent `body` at `timestamp`, within `tolerance_seconds` of
    `now` (an aware datetime); raise `BankSignatureInvalid` (401) otherwise. The comparison is constant-time."""
    if not secret:
        # a misconfiguration must never turn into "everything verifies" (HMAC with an empty key is computable)
        raise ValueError("the bank callback secret is empty")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if not timestamp or not signature:
        raise BankSignatureInvalid(MISSING)
    timestamp, signature = timestamp.strip(), signature.strip()
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        raise BankSignatureInvalid(MALFORMED)
    if abs(now.timestamp() - int(timestamp)) > tolerance_seconds:
        raise BankSignatureInvalid(STALE)
    expected = _mac(secret, body, timestamp)
    if not hmac.compare_digest(expected, signature.lower()):
        raise BankSignatureInvalid(MISMATCH)

"""TOTP (RFC 6238): HMAC-SHA1, 6 digits, 30-second steps (what authenticator apps support), one step of
drift either way, and each step accepted once per account (replay of a seen code fails)."""

from datetime import datetime

import pyotp

ISSUER_NAME = "Pemko Pematangsiantar"
STEP_SECONDS = 30
VALID_WINDOW = 1


def new_secret() -> str:
    """A 160-bit base32 secret from the CSPRNG."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account_name: str) -> str:
    """The `otpauth://` URI an authenticator app scans (as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER_NAME)


def matching_step(secret: str, code: str, at: datetime, *, last_step: int | None) -> int | None:
    """The time step `code` is valid for at `at` (within one step of drift), or None. A step at or before
    `last_step` (already used) never matches, so a code cannot be replayed."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    now_step = int(at.timestamp()) // STEP_SECONDS
    for step in (now_step - VALID_WINDOW, now_step, now_step + VALID_WINDOW):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, at: datetime) -> str:
    """The code for `at`: for tests and for the demo seed's documentation, never sent anywhere."""
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(at)

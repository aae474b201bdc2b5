"""A person's phone, e-mail and NIK at rest: encrypted (AES-GCM, the column named as associated data), a
keyed hash (`*_index`) for uniqueness and look-up, and a masked form for display.

The keyed-hash contexts are "phone", "email" and "nik" and the values are normalised first (`PhoneNumber`
gives E.164 `+62...`, `normalise_email` lower-cases, a NIK is its 16 digits): sign-in and every look-up must
hash the same way (`phone_index`, `email_index`, `nik_index`).

A contact or NIK given at registration is only *claimed* when the phone is verified: until then it is kept
encrypted with no index (`email_unclaimed`, `nik_unclaimed`), so an account nobody verified can never block
the real owner of an address or a NIK.
"""

from siantar_identity.account.models import Account
from siantar_identity.security.context import Crypto
from siantar_shared.schemas.types import mask_nik, mask_phone

PHONE_CONTEXT, EMAIL_CONTEXT, NIK_CONTEXT = "account.phone", "account.email", "account.nik"
PHONE_INDEX, EMAIL_INDEX, NIK_INDEX = "phone", "email", "nik"
MASKED_EMAIL_MAX = 120


def phone_index(crypto: Crypto, phone: str) -> str:
    return crypto.index.digest(phone, context=PHONE_INDEX)


def email_index(crypto: Crypto, email: str) -> str:
    return crypto.index.digest(email, context=EMAIL_INDEX)


def nik_index(crypto: Crypto, nik: str) -> str:
    return crypto.index.digest(nik, context=NIK_INDEX)


def mask_email(email: str) -> str:
    """`w***@example.id`: the first character of the local part and the domain."""
    local, _, domain = email.partition("@")
    if len(domain) > MASKED_EMAIL_MAX - 8:
        domain = domain[:1] + "***"
    return f"{local[:1]}***@{domain}"


def set_phone(account: Account, crypto: Crypto, phone: str) -> None:
    account.phone_ciphertext = crypto.ring.encrypt(phone, context=PHONE_CONTEXT)
    account.phone_index = phone_index(crypto, phone)
    account.phone_masked = mask_phone(phone)


def set_email(account: Account, crypto: Crypto, email: str) -> None:
    account.email_ciphertext = crypto.ring.encrypt(email, context=EMAIL_CONTEXT)
    account.email_index = email_index(crypto, email)
    account.email_masked = mask_email(email)


def keep_unclaimed_email(account: Account, crypto: Crypto, email: str) -> None:
    account.email_ciphertext = crypto.ring.encrypt(email, context=EMAIL_CONTEXT)
    account.email_index = account.email_masked = None
    account.email_verified_at = None


def clear_email(account: Account) -> None:
    account.email_ciphertext = account.email_index = account.email_masked = None
    account.email_verified_at = None


def set_nik(account: Account, crypto: Crypto, nik: str) -> None:
    account.nik_ciphertext = crypto.ring.encrypt(nik, context=NIK_CONTEXT)
    account.nik_index = nik_index(crypto, nik)
    account.nik_masked = mask_nik(nik)


def keep_unclaimed_nik(account: Account, crypto: Crypto, nik: str) -> None:
    account.nik_ciphertext = crypto.ring.encrypt(nik, context=NIK_CONTEXT)
    account.nik_index = account.nik_masked = None


def clear_nik(account: Account) -> None:
    account.nik_ciphertext = account.nik_index = account.nik_masked = None


def read_phone(account: Account, crypto: Crypto) -> str | None:
    blob = account.phone_ciphertext
    return None if blob is None else crypto.ring.decrypt(blob, context=PHONE_CONTEXT)


def read_email(account: Account, crypto: Crypto) -> str | None:
    blob = account.email_ciphertext
    return None if blob is None else crypto.ring.decrypt(blob, context=EMAIL_CONTEXT)


def read_nik(account: Account, crypto: Crypto) -> str | None:
    blob = account.nik_ciphertext
    return None if blob is None else crypto.ring.decrypt(blob, context=NIK_CONTEXT)


def email_unclaimed(account: Account) -> bool:
    return account.email_ciphertext is not None and account.email_index is None


def nik_unclaimed(account: Account) -> bool:
    return account.nik_ciphertext is not None and account.nik_index is None

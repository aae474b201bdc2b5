"""Errors of the account domain (registration, one-time codes, password reset, the signed-in person)."""

from siantar_shared.errors import AppError, BadRequest, Conflict, Forbidden, TooManyRequests
from siantar_shared.i18n import Text


class RecordedFailure(AppError):
    """A failure whose records must survive the error answer (a wrong code's attempt count, the audit
    record of a wrong password): the account session dependency commits before re-raising it."""


class InvalidCode(RecordedFailure, BadRequest):
    slug = "invalid-code"
    title = Text("Kode tidak berlaku", "Invalid code")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Kode salah, sudah kedaluwarsa atau sudah dipakai. Minta kode baru bila perlu.",
                "The code is wrong, expired or already used. Ask for a new code if needed.",
            )
        )


class SecondFactorRequired(RecordedFailure, BadRequest):
    slug = "second-factor-required"
    title = Text("Perlu kode verifikasi dua langkah", "Two-step verification code required")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Akun ini memakai verifikasi dua langkah: sertakan kode aplikasi autentikator (`otp`) atau "
                "kode pemulihan (`recovery_code`) yang benar.",
                "This account uses two-step verification: include a valid authenticator code (`otp`) or "
                "recovery code (`recovery_code`).",
            )
        )


class WrongPassword(RecordedFailure):
    status, slug = 401, "wrong-password"
    title = Text("Kata sandi salah", "Wrong password")

    def __init__(self) -> None:
        super().__init__(
            Text("Kata sandi Anda saat ini salah.", "Your current password is wrong."),
            headers={"WWW-Authenticate": 'Bearer error="insufficient_user_authentication"'},
        )


class CodeSendLimited(TooManyRequests):
    slug = "code-send-limited"
    title = Text("Terlalu banyak permintaan kode", "Too many code requests")

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            Text(
                f"Kode sudah terlalu sering dikirim. Coba lagi dalam {retry_after} detik.",
                f"Codes were sent too often. Try again in {retry_after} seconds.",
            ),
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )


class NotAPerson(Forbidden):
    slug = "not-a-person"
    title = Text("Token ini tidak mewakili akun seseorang", "This token does not act for a person's account")


class AccountNotActive(Forbidden):
    slug = "account-not-active"
    title = Text("Akun tidak aktif", "Account not active")


class EmailMissing(Conflict):
    slug = "email-missing"
    title = Text("Akun belum memiliki alamat surel", "The account has no e-mail address")


class EmailAlreadyVerified(Conflict):
    slug = "email-already-verified"
    title = Text("Alamat surel sudah terverifikasi", "The e-mail address is already verified")


class ContactUnchanged(Conflict):
    slug = "contact-unchanged"
    title = Text("Sama dengan yang sekarang", "Same as the current one")


class ContactTaken(Conflict):
    slug = "contact-taken"
    title = Text("Kontak tidak dapat dipakai", "This contact cannot be used")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Nomor atau alamat ini baru saja dipakai akun lain; perubahan dibatalkan.",
                "This number or address was just taken by another account; the change was cancelled.",
            )
        )

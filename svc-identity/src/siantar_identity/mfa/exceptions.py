"""Errors of the second-factor domain."""

from siantar_shared.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    TooManyRequests,
    UnprocessableContent,
)
from siantar_shared.i18n import Text

REAUTH_MAX_AGE_SECONDS = 300


class RecordedFailure(AppError):
    """A failure whose audit record must survive: the MFA session dependency commits before it is raised
    to the error handler (a wrong code or password is evidence, and throttling counts it)."""


class InvalidSecondFactorCode(RecordedFailure, UnprocessableContent):
    slug = "invalid-second-factor-code"
    title = Text("Kode autentikator salah atau sudah dipakai", "Wrong or already used authenticator code")


class MfaThrottled(RecordedFailure, TooManyRequests):
    slug = "second-factor-throttled"
    title = Text("Terlalu banyak percobaan", "Too many attempts")

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            Text(f"Coba lagi dalam {retry_after} detik.", f"Try again in {retry_after} seconds."),
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )


class ReauthenticationRequired(AppError):
    """RFC 9470 step-up: sign in again (or send the current password) before changing the second factor."""

    status, slug = 401, "reauthentication-required"
    title = Text("Perlu masuk ulang", "Recent authentication required")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Masuk ulang, atau sertakan kata sandi Anda saat ini, untuk mengubah verifikasi dua langkah.",
                "Sign in again, or send your current password, to change two-step verification.",
            ),
            headers={
                "WWW-Authenticate": (
                    f'Bearer error="insufficient_user_authentication", max_age={REAUTH_MAX_AGE_SECONDS}'
                )
            },
        )


class WrongPassword(RecordedFailure):
    status, slug = 401, "wrong-password"
    title = Text("Kata sandi salah", "Wrong password")

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": 'Bearer error="insufficient_user_authentication"'})


class NotAnAccount(Forbidden):
    slug = "not-an-account"
    title = Text("Token ini tidak mewakili akun seseorang", "This token does not act for a person's account")


class AccountNotActive(Forbidden):
    slug = "account-not-active"
    title = Text("Akun tidak aktif", "Account not active")


class TotpAlreadyEnabled(Conflict):
    slug = "totp-already-enabled"
    title = Text("Autentikator sudah aktif", "An authenticator is already enabled")


class TotpNotPending(Conflict):
    slug = "totp-enrolment-not-started"
    title = Text("Pendaftaran autentikator belum dimulai", "Authenticator enrolment has not been started")


class TotpNotEnabled(Conflict):
    slug = "totp-not-enabled"
    title = Text("Autentikator belum aktif", "No authenticator is enabled")


class StaffMfaMandatory(Forbidden):
    slug = "staff-mfa-mandatory"
    title = Text(
        "Verifikasi dua langkah wajib bagi pegawai dan tidak dapat dihapus",
        "Two-step verification is mandatory for staff and cannot be removed",
    )


class SelfResetForbidden(Forbidden):
    slug = "self-reset-forbidden"
    title = Text(
        "Administrator tidak dapat mengatur ulang verifikasi dua langkahnya sendiri",
        "An administrator cannot reset their own two-step verification",
    )


class IdempotencyKeyRefused(BadRequest):
    """These answers carry secrets shown once (a TOTP secret, recovery codes): they are never stored, so a
    request cannot ask for a replayable copy."""

    slug = "idempotency-key-refused"
    title = Text("Idempotency-Key tidak didukung di sini", "Idempotency-Key is not supported here")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Jawaban ini berisi rahasia yang hanya ditampilkan sekali dan tidak pernah disimpan.",
                "This answer holds secrets shown once, which are never stored.",
            )
        )

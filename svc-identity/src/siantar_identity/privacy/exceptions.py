"""Errors of the privacy domain, rendered as RFC 9457 problems."""

from siantar_shared.errors import Conflict, Forbidden, NotFound, Unauthorized
from siantar_shared.i18n import Text


class AccountNotFound(NotFound):
    slug = "account-not-found"
    title = Text("Akun tidak ditemukan", "Account not found")


class ReauthenticationRequired(Unauthorized):
    """The current password is needed (again) for this: RFC 9470's `insufficient_user_authentication`."""

    slug = "reauthentication-required"
    title = Text("Masukkan kembali kata sandi Anda", "Enter your password again")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Untuk tindakan ini, kata sandi Anda saat ini wajib dimasukkan dan harus benar.",
                "This action needs your current password, entered correctly.",
            ),
            error="insufficient_user_authentication",
        )


class NotWithdrawable(Conflict):
    slug = "consent-not-withdrawable"
    title = Text("Pemrosesan ini tidak berdasarkan persetujuan", "This processing does not rest on consent")


class DataRequestAlreadyOpen(Conflict):
    slug = "data-request-already-open"
    title = Text("Permintaan serupa masih diproses", "A request of this kind is still open")


class AlreadyRestricted(Conflict):
    slug = "already-restricted"
    title = Text("Pemrosesan data Anda sudah dibatasi", "Processing of your data is already restricted")


class NotRestricted(Conflict):
    slug = "not-restricted"
    title = Text("Pemrosesan data Anda tidak sedang dibatasi", "Processing of your data is not restricted")


class DataRequestNotFound(NotFound):
    slug = "data-request-not-found"
    title = Text("Permintaan data pribadi tidak ditemukan", "Data request not found")


class DataRequestClosed(Conflict):
    slug = "data-request-closed"
    title = Text("Permintaan ini sudah selesai", "This request is already closed")


class PurposeNotAllowed(Forbidden):
    slug = "purpose-not-allowed"
    title = Text("Tujuan ini tidak diizinkan untuk peran Anda", "This purpose is not allowed for your role")

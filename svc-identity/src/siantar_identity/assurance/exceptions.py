"""Errors of the assurance domain (NIK claims, civil-registry verification, manual review)."""

from siantar_shared.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, TooManyRequests
from siantar_shared.i18n import Text


class NotACitizen(Forbidden):
    slug = "not-a-citizen"
    title = Text("Hanya untuk akun warga", "For citizen accounts only")


class NikLocked(Conflict):
    slug = "nik-locked"
    title = Text("NIK sudah terverifikasi", "NIK already verified")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "NIK akun ini sudah diverifikasi Dukcapil dan tidak dapat diganti sendiri; ajukan perbaikan data.",
                "This account's NIK was verified by Dukcapil and cannot be replaced by you; ask for a correction.",
            )
        )


class NikMissing(Conflict):
    slug = "nik-missing"
    title = Text("NIK belum diisi", "No NIK given")

    def __init__(self) -> None:
        super().__init__(Text("Sertakan NIK yang akan diverifikasi.", "Include the NIK to verify."))


class VerificationLimited(TooManyRequests):
    slug = "verification-limited"
    title = Text("Terlalu banyak percobaan verifikasi", "Too many verification attempts")

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            Text(
                f"Batas verifikasi NIK tercapai; coba lagi dalam {retry_after} detik.",
                f"The NIK verification limit is reached; try again in {retry_after} seconds.",
            ),
            headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )


class DukcapilUnavailable(ServiceUnavailable):
    slug = "dukcapil-unavailable"
    title = Text(
        "Layanan verifikasi Dukcapil tidak tersedia", "The Dukcapil verification service is unavailable"
    )


class ReviewNotFound(NotFound):
    slug = "nik-review-not-found"
    title = Text("Kasus tinjauan NIK tidak ditemukan", "NIK review case not found")


class ReviewClosed(Conflict):
    slug = "nik-review-closed"
    title = Text("Kasus tinjauan NIK sudah diputus", "NIK review case already resolved")


class ReviewCannotGrant(Conflict):
    slug = "nik-review-cannot-grant"
    title = Text("NIK tidak dapat diberikan kepada pengaju", "The NIK cannot be granted to the claimant")

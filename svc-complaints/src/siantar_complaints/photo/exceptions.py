"""Why a photo was refused, as RFC 9457 problems: 413 too large, 415 not a JPEG/PNG/WebP, 422 unreadable."""

from collections.abc import Sequence
from typing import Self

from siantar_shared.errors import AppError
from siantar_shared.i18n import Text


class PhotoRefused(AppError):
    """Base of the refusals below, so an endpoint can catch them together."""

    status, slug = 422, "photo-refused"
    title = Text("Foto ditolak", "Photo refused")


class PhotoTooLarge(PhotoRefused):
    status, slug = 413, "photo-too-large"
    title = Text("Foto terlalu besar", "Photo too large")

    @classmethod
    def too_many_bytes(cls, max_bytes: int) -> Self:
        megabytes = f"{max_bytes / 1024 / 1024:g}"
        return cls(
            Text(
                f"Ukuran foto paling besar {megabytes} MB.",
                f"A photo may be at most {megabytes} MB.",
            ),
            extra={"max_bytes": max_bytes},
        )

    @classmethod
    def too_many_pixels(cls, max_pixels: int) -> Self:
        megapixels = f"{max_pixels / 1_000_000:g}"
        return cls(
            Text(
                f"Resolusi foto paling besar {megapixels} megapiksel.",
                f"A photo may have at most {megapixels} megapixels.",
            ),
            extra={"max_pixels": max_pixels},
        )


class UnsupportedPhotoType(PhotoRefused):
    status, slug = 415, "unsupported-photo-type"
    title = Text("Jenis berkas foto tidak didukung", "Unsupported photo type")

    def __init__(self, allowed: Sequence[str]) -> None:
        super().__init__(
            Text(
                "Isi berkas bukan foto JPEG, PNG atau WebP (nama berkas tidak menentukan jenisnya).",
                "The file's content is not a JPEG, PNG or WebP photo (its name does not decide its type).",
            ),
            extra={"allowed": list(allowed)},
        )


class CorruptPhoto(PhotoRefused):
    status, slug = 422, "corrupt-photo"
    title = Text("Foto rusak", "Corrupt photo")

    def __init__(self) -> None:
        super().__init__(
            Text(
                "Foto tidak dapat dibaca, mungkin terpotong saat diunggah; silakan kirim ulang.",
                "The photo cannot be read, perhaps cut short during upload; please send it again.",
            )
        )

"""Errors of moderation."""

from siantar_shared.errors import Conflict, NotFound
from siantar_shared.i18n import Text


class FlagNotFound(NotFound):
    slug = "flag-not-found"
    title = Text("Laporan moderasi tidak ditemukan", "Flag not found")


class TargetNotFound(NotFound):
    slug = "moderation-target-not-found"
    title = Text(
        "Foto atau entri tidak ditemukan pada pengaduan ini", "No such photo or entry on this complaint"
    )


class FlagAlreadyResolved(Conflict):
    slug = "flag-already-resolved"
    title = Text("Laporan moderasi sudah ditangani", "Flag already resolved")

"""Errors of the permit-type catalogue."""

from siantar_shared.errors import Conflict, NotFound
from siantar_shared.i18n import Text


class PermitTypeNotFound(NotFound):
    slug = "permit-type-not-found"
    title = Text("Jenis izin tidak ditemukan", "Permit type not found")


class PermitTypeExists(Conflict):
    slug = "permit-type-exists"
    title = Text("Kode jenis izin sudah dipakai", "Permit type code already in use")

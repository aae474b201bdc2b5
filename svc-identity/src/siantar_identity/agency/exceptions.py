"""Errors of the OPD master list."""

from siantar_shared.errors import Conflict, NotFound, UnprocessableContent
from siantar_shared.i18n import Text


class AgencyNotFound(NotFound):
    slug = "agency-not-found"
    title = Text("OPD tidak ditemukan", "Agency not found")


class AgencyExists(Conflict):
    slug = "agency-exists"
    title = Text("Kode OPD sudah dipakai", "Agency code already in use")


class AgencyInvalid(UnprocessableContent):
    slug = "agency-invalid"
    title = Text("Data OPD tidak sah", "Invalid agency data")

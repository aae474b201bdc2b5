"""Errors of the OPD directory."""

from siantar_shared.errors import ServiceUnavailable, UnprocessableContent
from siantar_shared.i18n import Text


class UnknownAgency(UnprocessableContent):
    slug = "unknown-agency"
    title = Text("OPD tidak dikenal atau tidak aktif", "Unknown or inactive agency")


class AgencyDirectoryUnavailable(ServiceUnavailable):
    slug = "agency-directory-unavailable"
    title = Text("Daftar OPD belum dapat diperiksa", "The agency list cannot be checked")

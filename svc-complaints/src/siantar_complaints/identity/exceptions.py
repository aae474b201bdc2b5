"""Errors of the OPD directory."""

from siantar_shared.errors import ServiceUnavailable, UnprocessableContent
from siantar_shared.i18n import Text


class UnknownAgency(UnprocessableContent):
    slug = "unknown-agency"
    title = Text("OPD tidak dikenal atau tidak aktif", "Unknown or inactive agency")


class AgencyDirectoryUnavailable(ServiceUnavailable):
    slug = "agency-directory-unavailable"
    title = Text("Daftar OPD belum dapat diperiksa", "The agency list cannot be checked")


class IdentityUnavailable(ServiceUnavailable):
    slug = "identity-unavailable"
    title = Text("Layanan identitas tidak tersedia", "The identity service is unavailable")


class GuestRefused(UnprocessableContent):
    slug = "reporter-invalid"
    title = Text("Data pelapor tidak sah", "The reporter's details are not valid")

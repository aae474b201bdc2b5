"""Errors of the Open311 facade. They are ordinary problems (`AppError`); `middleware.Open311Middleware`
turns every error under /open311/v2 into GeoReport v2's `[{code, description}]` / `<errors>` shape."""

from siantar_shared.errors import BadRequest, Forbidden, NotFound
from siantar_shared.i18n import Text


class UnknownFormat(BadRequest):
    slug = "open311-unknown-format"
    title = Text("Format tidak dikenal: gunakan .xml atau .json", "Unknown format: use .xml or .json")


class InvalidParameter(BadRequest):
    slug = "open311-invalid-parameter"
    title = Text("Parameter tidak sah", "Invalid parameter")


class UnknownJurisdiction(NotFound):
    slug = "open311-unknown-jurisdiction"
    title = Text("jurisdiction_id tidak dikenal", "Unknown jurisdiction_id")


class InvalidApiKey(Forbidden):
    slug = "open311-invalid-api-key"
    title = Text("api_key tidak ada atau tidak sah", "Missing or invalid api_key")


class ServiceNotFound(NotFound):
    slug = "open311-service-not-found"
    title = Text("Layanan (service_code) tidak ditemukan", "Service (service_code) not found")


class RequestNotFound(NotFound):
    slug = "open311-request-not-found"
    title = Text("Laporan tidak ditemukan", "Service request not found")

"""Errors of the audit domain."""

from siantar_shared.errors import BadRequest
from siantar_shared.i18n import Text


class InvalidPeriod(BadRequest):
    slug = "invalid-period"
    title = Text("Rentang waktu tidak sah", "Invalid period")

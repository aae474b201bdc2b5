"""Errors of routing."""

from siantar_shared.errors import Conflict, NotFound, UnprocessableContent
from siantar_shared.i18n import Text


class RoutingRuleNotFound(NotFound):
    slug = "routing-rule-not-found"
    title = Text("Aturan rute tidak ditemukan", "Routing rule not found")


class RoutingRuleConflict(Conflict):
    slug = "routing-rule-conflict"
    title = Text("Sudah ada aturan aktif yang sama", "An identical active rule exists")


class UnknownCategory(UnprocessableContent):
    slug = "unknown-category"
    title = Text("Kategori tidak dikenal atau tidak aktif", "Unknown or inactive category")

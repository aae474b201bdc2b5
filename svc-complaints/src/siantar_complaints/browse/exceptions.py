"""Errors of the list, map and statistics endpoints."""

from siantar_shared.errors import Forbidden, UnprocessableContent
from siantar_shared.i18n import Text


class InvalidBoundingBox(UnprocessableContent):
    slug = "invalid-bbox"
    title = Text("Kotak peta tidak sah", "Invalid map bounding box")


class BoundingBoxTooLarge(InvalidBoundingBox):
    slug = "bbox-too-large"
    title = Text("Kotak peta lebih besar dari kota", "Map bounding box larger than the city")


class EmptySearch(UnprocessableContent):
    slug = "empty-search"
    title = Text("Kata pencarian kosong", "Search text has no words")


class NoAgency(Forbidden):
    slug = "no-agency"
    title = Text("Akun Anda tidak terhubung ke OPD", "Your account is not attached to an OPD")

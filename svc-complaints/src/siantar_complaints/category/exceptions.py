"""Errors of the service catalogue."""

from siantar_shared.errors import Conflict, NotFound, UnprocessableContent
from siantar_shared.i18n import Text


class CategoryNotFound(NotFound):
    slug = "category-not-found"
    title = Text("Kategori tidak ditemukan", "Category not found")


class CategoryExists(Conflict):
    slug = "category-exists"
    title = Text("Kode kategori sudah dipakai", "Category code already in use")


class CategoryInvalid(UnprocessableContent):
    """A well-formed request naming something the catalogue does not have (a group, an SLA class...)."""

    slug = "category-invalid"
    title = Text("Data kategori tidak sah", "Invalid category data")

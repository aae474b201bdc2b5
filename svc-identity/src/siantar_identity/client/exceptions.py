"""Errors of the API-client domain."""

from siantar_shared.errors import Conflict, NotFound
from siantar_shared.i18n import Text


class ClientNotFound(NotFound):
    slug = "client-not-found"
    title = Text("Klien API tidak ditemukan", "API client not found")


class ClientIdTaken(Conflict):
    slug = "client-id-taken"
    title = Text("client_id sudah dipakai", "client_id already in use")


class ClientRevoked(Conflict):
    slug = "client-revoked"
    title = Text("Klien API sudah dicabut", "API client revoked")


class NotConfidential(Conflict):
    slug = "client-not-confidential"
    title = Text("Klien publik tidak punya rahasia", "A public client has no secret")


class ApiKeyNotFound(NotFound):
    slug = "api-key-not-found"
    title = Text("Kunci API tidak ditemukan", "API key not found")


class TooManyApiKeys(Conflict):
    slug = "too-many-api-keys"
    title = Text("Terlalu banyak kunci API aktif", "Too many active API keys")

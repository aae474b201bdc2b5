"""Errors of the application workflow."""

from siantar_shared.errors import Conflict, Forbidden, NotFound, UnprocessableContent
from siantar_shared.i18n import Text


class ApplicationNotFound(NotFound):
    slug = "application-not-found"
    title = Text("Permohonan tidak ditemukan", "Application not found")


class WrongState(Conflict):
    slug = "wrong-state"
    title = Text(
        "Tindakan ini tidak berlaku pada tahap permohonan saat ini",
        "Not allowed in the application's current state",
    )


class NotYourTurn(Forbidden):
    slug = "not-your-turn"
    title = Text("Bukan giliran atau wewenang Anda", "Not your turn or not your authority")


class ApplicationInvalid(UnprocessableContent):
    slug = "application-invalid"
    title = Text("Data permohonan tidak sah", "Invalid application data")

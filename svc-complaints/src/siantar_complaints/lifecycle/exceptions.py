"""Errors of the complaint lifecycle, as problem+json with bilingual titles."""

from siantar_shared.errors import Conflict, Forbidden, UnprocessableContent
from siantar_shared.i18n import Text


class TransitionNotAllowed(Conflict):
    """The complaint is not in a state the action starts from (409)."""

    slug = "transition-not-allowed"
    title = Text("Tindakan tidak dapat dilakukan pada status ini", "Not possible in the complaint's state")


class ActionForbidden(Forbidden):
    """The caller sees the complaint but may not do this to it (403)."""

    slug = "action-forbidden"
    title = Text("Anda tidak berwenang melakukan tindakan ini", "You may not do this")


class InvalidDuplicate(UnprocessableContent):
    slug = "invalid-duplicate"
    title = Text("Laporan asal tidak dapat dipakai", "The original complaint cannot be used")


class ReopenWindowClosed(Conflict):
    slug = "reopen-window-closed"
    title = Text("Batas waktu membuka kembali sudah lewat", "The window to reopen has passed")


class AlreadyRated(Conflict):
    slug = "already-rated"
    title = Text("Penyelesaian ini sudah dinilai", "This resolution has already been rated")


class CannotFollow(Conflict):
    slug = "cannot-follow"
    title = Text("Laporan ini tidak dapat diikuti", "This complaint cannot be followed")


class InvalidUpdate(UnprocessableContent):
    slug = "invalid-update"
    title = Text("Isi pembaruan tidak valid", "The update is not valid")


class InvalidAssignee(UnprocessableContent):
    """The officer named is not an active officer (or supervisor) of the complaint's OPD in identity (422)."""

    slug = "invalid-assignee"
    title = Text("Petugas tidak dapat ditugaskan", "This officer cannot be assigned")

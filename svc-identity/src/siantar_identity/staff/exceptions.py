"""Errors of the staff domain."""

from siantar_identity.mfa.exceptions import RecordedFailure
from siantar_shared.errors import BadRequest, Conflict, Forbidden, NotFound, UnprocessableContent
from siantar_shared.i18n import Text


class StaffNotFound(NotFound):
    slug = "staff-not-found"
    title = Text("Petugas tidak ditemukan", "Staff member not found")


class UsernameTaken(Conflict):
    slug = "username-taken"
    title = Text("Nama pengguna sudah dipakai", "Username already taken")


class InvalidAssignment(UnprocessableContent):
    slug = "invalid-staff-assignment"
    title = Text("Peran dan OPD tidak cocok", "Roles and agency do not fit together")


class NotYourStaff(Forbidden):
    slug = "not-your-staff"
    title = Text("Di luar wewenang Anda", "Outside your authority")


class StaffStateConflict(Conflict):
    slug = "staff-state-conflict"
    title = Text("Tidak dapat dilakukan pada keadaan akun ini", "Not possible in this account's state")


class InvitationInvalid(RecordedFailure, BadRequest):
    """The same answer for an unknown username, a wrong, used, expired or exhausted code: no enumeration.
    A failed attempt is recorded (and counted) before this error answers."""

    slug = "invitation-invalid"
    title = Text("Undangan tidak sah", "Invalid invitation")


class InvitationNotAccepted(Conflict):
    slug = "invitation-not-accepted"
    title = Text("Kata sandi belum diatur", "Password not set yet")

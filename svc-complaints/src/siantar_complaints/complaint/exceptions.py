"""Errors of complaints."""

from siantar_shared.errors import Conflict, Forbidden, NotFound, UnprocessableContent
from siantar_shared.i18n import Text


class ComplaintNotFound(NotFound):
    slug = "complaint-not-found"
    title = Text("Pengaduan tidak ditemukan", "Complaint not found")


class InvalidAnswers(UnprocessableContent):
    slug = "invalid-answers"
    title = Text("Jawaban pertanyaan kategori tidak sah", "Invalid answers to the category's questions")


class InvalidComplaint(UnprocessableContent):
    slug = "invalid-complaint"
    title = Text("Pengaduan tidak dapat diterima", "The complaint cannot be accepted")


class SubmissionForbidden(Forbidden):
    slug = "submission-forbidden"
    title = Text("Anda tidak dapat mengirim pengaduan ini", "You cannot submit this complaint")


class TooManyPhotos(Conflict):
    slug = "too-many-photos"
    title = Text("Batas jumlah foto tercapai", "The photo limit is reached")


class PhotoNotFound(NotFound):
    slug = "photo-not-found"
    title = Text("Foto tidak ditemukan", "Photo not found")

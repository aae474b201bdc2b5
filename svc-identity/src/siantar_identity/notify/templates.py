"""Message templates in Bahasa Indonesia and English. A template has a subject (e-mail, push title) and a
body; parameters are named, every one a template uses must be given, and no other may be. A parameter has a
kind (`notify.params`): dates, rupiah amounts and status codes are formatted in the person's language.

Identity's own messages (codes, invitations) come first; then the events of the other services, which send
them through `POST /identity/v1/notifications` and can list them with `GET /identity/v1/notification-templates`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Formatter

from siantar_identity.notify.params import InvalidParameter, Param, ParamKind
from siantar_shared.i18n import Language, Text

MAX_PARAMETERS = 20


@dataclass(frozen=True)
class Template:
    subject: Text
    body: Text
    # how each parameter is checked and shown; one not listed is free text (identity's own messages)
    params: Mapping[str, Param] = field(default_factory=dict)

    @property
    def parameters(self) -> frozenset[str]:
        names: set[str] = set()
        for text in (self.subject.id, self.subject.en, self.body.id, self.body.en):
            names.update(field for _, field, _, _ in Formatter().parse(text) if field)
        return frozenset(names)

    def param(self, name: str) -> Param:
        return self.params.get(name, FREE_TEXT)


FREE_TEXT = Param(max_length=200, allow_empty=True)
TEXT = Param()
NUMBER = Param(max_length=80)  # tracking, application, permit and SKRD numbers
DATE = Param(ParamKind.date)
MONEY = Param(ParamKind.money)
LINK = Param(ParamKind.url, max_length=200)
COMPLAINT_STATUS = Param(
    ParamKind.choice,
    choices={
        "submitted": Text("diterima", "submitted"),
        "verified": Text("terverifikasi", "verified"),
        "dispositioned": Text("diteruskan ke perangkat daerah", "forwarded to the responsible agency"),
        "in_progress": Text("sedang ditindaklanjuti", "in progress"),
        "resolved": Text("selesai ditindaklanjuti", "resolved"),
        "closed": Text("ditutup", "closed"),
        "waiting_for_citizen": Text(
            "menunggu keterangan dari pelapor", "waiting for information from the reporter"
        ),
        "reopened": Text("dibuka kembali", "reopened"),
        "rejected": Text("ditolak", "rejected"),
        "duplicate": Text("digabung dengan laporan yang sama", "merged with an identical report"),
        "redirected": Text(
            "dialihkan kepada pihak yang berwenang (bukan kewenangan Pemerintah Kota Pematangsiantar)",
            "redirected to the responsible body (not the responsibility of the city government)",
        ),
        # the older code for `redirected`, still accepted for messages queued before it existed
        "not_our_responsibility": Text(
            "bukan kewenangan Pemerintah Kota Pematangsiantar",
            "not the responsibility of the city government",
        ),
    },
)
EXCERPT = Param(max_length=300)  # a quoted piece of an update or a question, one line
DATA_REQUEST_KIND = Param(
    ParamKind.choice,
    choices={
        "access": Text("akses data", "access"),
        "correction": Text("perbaikan data", "correction"),
        "erasure": Text("penghapusan data", "erasure"),
        "restriction": Text("pembatasan pemrosesan", "restriction of processing"),
        "restriction_lift": Text("pencabutan pembatasan pemrosesan", "lifting the restriction of processing"),
    },
)
DATA_REQUEST_OUTCOME = Param(
    ParamKind.choice,
    choices={"completed": Text("diselesaikan", "completed"), "refused": Text("ditolak", "refused")},
)

IDENTITY_TEMPLATES: dict[str, Template] = {
    "verification_code": Template(
        Text("Kode verifikasi", "Verification code"),
        Text(
            "Kode verifikasi Siantar Anda: {code}. Berlaku {minutes} menit. Jangan berikan kepada siapa pun.",
            "Your Siantar verification code: {code}. Valid for {minutes} minutes. Never share it.",
        ),
    ),
    "password_reset_code": Template(
        Text("Kode atur ulang kata sandi", "Password reset code"),
        Text(
            "Kode untuk mengatur ulang kata sandi Siantar Anda: {code}. Berlaku {minutes} menit. "
            "Abaikan pesan ini jika Anda tidak memintanya.",
            "Your Siantar password reset code: {code}. Valid for {minutes} minutes. "
            "Ignore this message if you did not ask for it.",
        ),
    ),
    "staff_invitation": Template(
        Text("Undangan akun petugas", "Staff account invitation"),
        Text(
            "Anda diundang sebagai petugas {agency}. Nama pengguna: {username}. Atur kata sandi dan autentikator "
            "dengan kode {code} dalam {minutes} menit.",
            "You are invited as staff of {agency}. Username: {username}. Set your password and authenticator "
            "with code {code} within {minutes} minutes.",
        ),
    ),
    "data_request_completed": Template(
        Text("Permintaan data pribadi", "Personal-data request"),
        Text(
            "Permintaan Anda ({kind}) telah {outcome}. Keterangannya ada di akun Siantar Anda.",
            "Your request ({kind}) has been {outcome}. The details are in your Siantar account.",
        ),
        {"kind": DATA_REQUEST_KIND, "outcome": DATA_REQUEST_OUTCOME},
    ),
}

# The other services' events: sent through POST /identity/v1/notifications
SERVICE_TEMPLATES: dict[str, Template] = {
    "complaint_received": Template(
        Text("Pengaduan diterima", "Complaint received"),
        Text(
            "Pengaduan Anda telah diterima dengan nomor {tracking_number}. Simpan nomor ini untuk memantau "
            "tindak lanjutnya.",
            "Your complaint has been received with number {tracking_number}. Keep this number to follow "
            "its progress.",
        ),
        {"tracking_number": NUMBER},
    ),
    "complaint_status_changed": Template(
        Text("Status pengaduan berubah", "Complaint status changed"),
        Text(
            "Status pengaduan {tracking_number} kini: {status}.",
            "Complaint {tracking_number} is now: {status}.",
        ),
        {"tracking_number": NUMBER, "status": COMPLAINT_STATUS},
    ),
    "complaint_needs_information": Template(
        Text("Pengaduan perlu keterangan tambahan", "Complaint needs more information"),
        Text(
            'Petugas memerlukan keterangan tambahan untuk pengaduan {tracking_number}: "{question}". '
            "Mohon lengkapi melalui layanan pengaduan; waktu penanganan berhenti sampai jawaban Anda diterima.",
            'The officer needs more information about complaint {tracking_number}: "{question}". '
            "Please reply through the complaints service; the handling time stops until your answer arrives.",
        ),
        {"tracking_number": NUMBER, "question": EXCERPT},
    ),
    "complaint_updated": Template(
        Text("Tanggapan baru atas pengaduan", "New update on a complaint"),
        Text(
            'Ada tanggapan baru dari perangkat daerah atas pengaduan {tracking_number}: "{excerpt}". '
            "Selengkapnya di layanan pengaduan.",
            'The responsible agency posted an update on complaint {tracking_number}: "{excerpt}". '
            "Read it in full in the complaints service.",
        ),
        {"tracking_number": NUMBER, "excerpt": EXCERPT},
    ),
    "complaint_resolved": Template(
        Text("Pengaduan selesai ditindaklanjuti", "Complaint resolved"),
        Text(
            "Pengaduan {tracking_number} telah selesai ditindaklanjuti. Mohon beri penilaian atas "
            "penanganannya: {rating_url}",
            "Complaint {tracking_number} has been resolved. Please rate how it was handled: {rating_url}",
        ),
        {"tracking_number": NUMBER, "rating_url": LINK},
    ),
    # to staff: the officer assigned to the complaint
    "complaint_sla_reminder": Template(
        Text("Pengingat batas waktu pengaduan", "Complaint deadline reminder"),
        Text(
            "Pengaduan {tracking_number} yang ditugaskan kepada Anda harus ditindaklanjuti paling lambat "
            "{due_date}.",
            "Complaint {tracking_number}, assigned to you, must be handled by {due_date}.",
        ),
        {"tracking_number": NUMBER, "due_date": DATE},
    ),
    "complaint_sla_breached": Template(
        Text("Batas waktu pengaduan terlewati", "Complaint deadline missed"),
        Text(
            "Batas waktu penanganan pengaduan {tracking_number} yang ditugaskan kepada Anda ({due_date}) telah "
            "terlewati. Mohon segera ditindaklanjuti.",
            "The deadline of complaint {tracking_number}, assigned to you ({due_date}), has passed. "
            "Please handle it now.",
        ),
        {"tracking_number": NUMBER, "due_date": DATE},
    ),
    # to staff: a digest to an OPD's supervisors and the verifier desk of the complaints past their deadline
    "complaint_sla_escalation": Template(
        Text("Pengaduan melewati batas waktu", "Complaints past their deadline"),
        Text(
            "{count} pengaduan pada {opd} telah melewati batas waktu penanganan: {tracking_numbers}. "
            "Mohon segera ditindaklanjuti.",
            "{count} complaints of {opd} have passed their handling deadline: {tracking_numbers}. "
            "Please act on them now.",
        ),
        # tracking_numbers: up to five, separated by ", ", and "…" when there are more
        {"count": NUMBER, "opd": NUMBER, "tracking_numbers": Param(max_length=200)},
    ),
    "permit_application_received": Template(
        Text("Permohonan izin diterima", "Permit application received"),
        Text(
            "Permohonan {permit_type} Anda telah diterima dengan nomor {application_number}.",
            "Your {permit_type} application has been received with number {application_number}.",
        ),
        {"application_number": NUMBER, "permit_type": TEXT},
    ),
    "permit_needs_correction": Template(
        Text("Permohonan izin perlu diperbaiki", "Permit application needs correction"),
        Text(
            "Permohonan {application_number} perlu diperbaiki: {correction}. Mohon lengkapi paling lambat "
            "{due_date}; waktu layanan berhenti sampai perbaikan diterima.",
            "Application {application_number} needs correction: {correction}. Please complete it by "
            "{due_date}; the service time stops until the correction arrives.",
        ),
        {"application_number": NUMBER, "correction": Param(max_length=300), "due_date": DATE},
    ),
    "fee_assessed": Template(
        Text("Retribusi ditetapkan", "Fee assessed"),
        Text(
            "Retribusi permohonan {application_number} telah ditetapkan: SKRD {skrd_number} sebesar {amount}, "
            "jatuh tempo {due_date}. Bayar di bank yang ditunjuk.",
            "The levy for application {application_number} has been assessed: SKRD {skrd_number} for "
            "{amount}, due on {due_date}. Pay at the designated bank.",
        ),
        {"application_number": NUMBER, "skrd_number": NUMBER, "amount": MONEY, "due_date": DATE},
    ),
    "permit_issued": Template(
        Text("Izin terbit", "Permit issued"),
        Text(
            "Izin Anda telah terbit dengan nomor {permit_number} (permohonan {application_number}).",
            "Your permit has been issued with number {permit_number} (application {application_number}).",
        ),
        {"application_number": NUMBER, "permit_number": NUMBER},
    ),
    "permit_ready_to_collect": Template(
        Text("Izin siap diambil", "Permit ready to collect"),
        Text(
            "Dokumen izin {permit_number} siap diambil di {location}. Bawa KTP asli Anda.",
            "Permit {permit_number} is ready for collection at {location}. Bring your original identity card.",
        ),
        {"permit_number": NUMBER, "location": Param(max_length=160)},
    ),
}

TEMPLATES: dict[str, Template] = {**IDENTITY_TEMPLATES, **SERVICE_TEMPLATES}


class UnknownTemplate(KeyError):
    pass


class ParameterError(ValueError):
    """Parameters that do not fit the template: each name with the reason, in both languages."""

    def __init__(self, problems: Mapping[str, Text]) -> None:
        super().__init__(", ".join(sorted(problems)))
        self.problems = dict(problems)


class MissingParameters(ParameterError):
    """At least one parameter the template uses was not given."""


_MISSING = Text("Wajib diisi untuk templat ini", "Required by this template")
_UNKNOWN = Text("Tidak dipakai oleh templat ini", "Not used by this template")
_TOO_MANY = Text(f"Paling banyak {MAX_PARAMETERS} parameter", f"At most {MAX_PARAMETERS} parameters")


def get_template(name: str) -> Template:
    template = TEMPLATES.get(name)
    if template is None:
        raise UnknownTemplate(name)
    return template


def format_params(name: str, language: Language, params: Mapping[str, object]) -> dict[str, str]:
    """Every parameter of template `name` as the person reads it; `ParameterError` lists what is wrong."""
    template = get_template(name)
    if len(params) > MAX_PARAMETERS:
        raise ParameterError({"": _TOO_MANY})
    problems = {key: _UNKNOWN for key in params.keys() - template.parameters}
    problems |= {key: _MISSING for key in template.parameters - params.keys()}
    shown: dict[str, str] = {}
    for key in template.parameters & params.keys():
        try:
            shown[key] = template.param(key).format(params[key], language)
        except InvalidParameter as exc:
            problems[key] = exc.reason
    if problems:
        missing = any(reason is _MISSING for reason in problems.values())
        raise (MissingParameters if missing else ParameterError)(problems)
    return shown


def render(name: str, language: Language, params: Mapping[str, object]) -> tuple[str, str]:
    """(subject, body) of template `name` in `language`; parameters are plain text, never markup."""
    template = get_template(name)
    shown = format_params(name, language, params)
    return template.subject.pick(language).format(**shown), template.body.pick(language).format(**shown)

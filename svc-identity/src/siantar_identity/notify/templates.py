"""Message templates in Bahasa Indonesia and English. A template has a subject (e-mail, push title) and a
body; parameters are named, and every one a template uses must be given (missing ones are an error)."""

from dataclasses import dataclass
from string import Formatter

from siantar_shared.i18n import Language, Text


@dataclass(frozen=True)
class Template:
    subject: Text
    body: Text

    @property
    def parameters(self) -> frozenset[str]:
        names: set[str] = set()
        for text in (self.subject.id, self.subject.en, self.body.id, self.body.en):
            names.update(field for _, field, _, _ in Formatter().parse(text) if field)
        return frozenset(names)


TEMPLATES: dict[str, Template] = {
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
}


class UnknownTemplate(KeyError):
    pass


class MissingParameters(ValueError):
    pass


def render(name: str, language: Language, params: dict[str, str]) -> tuple[str, str]:
    """(subject, body) of template `name` in `language`; parameters are plain text, never markup."""
    template = TEMPLATES.get(name)
    if template is None:
        raise UnknownTemplate(name)
    missing = template.parameters - params.keys()
    if missing:
        raise MissingParameters(", ".join(sorted(missing)))
    safe = {key: str(value) for key, value in params.items() if key in template.parameters}
    return template.subject.pick(language).format(**safe), template.body.pick(language).format(**safe)

"""The public page behind a permit's QR code: is this permit genuine and still in force?

`render_verification_html(view, lang="id"|"en")` renders `templates/verify.html` with Jinja2 autoescaping: a
self-contained, mobile-first page (inline CSS only, no scripts, no external assets, no personal data: the
holder's name arrives masked). The banner is green for a valid permit with a valid signature, red for a revoked
or expired permit or a signature that does not check, amber for a suspended one. Labels are in the chosen
language with the other language beside the values that come in both.

Serve it with `CONTENT_SECURITY_POLICY` (the inline style is allowed by its hash, nothing else loads).
`mask_name("Budi Santoso") == "B*** S******"`: see `mask_name`.
"""

import base64
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from siantar_shared.i18n import Language

TEMPLATES = Path(__file__).parent / "templates"
WIB = timezone(timedelta(hours=7), "WIB")
Status = Literal["valid", "expired", "revoked", "suspended"]
STATUSES: frozenset[str] = frozenset({"valid", "expired", "revoked", "suspended"})
MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni",
           "Juli", "Agustus", "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June",
           "July", "August", "September", "October", "November", "December"),
}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class VerificationView:
    number: str
    type_name_id: str
    type_name_en: str
    holder_name_masked: str  # mask_name(holder): never the name itself
    issuer_name: str
    valid_from: date
    valid_until: date | None  # None: as long as the conditions are met
    status: Status
    status_text_id: str
    status_text_en: str
    signature_valid: bool
    issued_at: datetime  # aware
    verified_at: datetime  # aware: when this check ran

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {sorted(STATUSES)}, not {self.status!r}")
        if self.issued_at.tzinfo is None or self.verified_at.tzinfo is None:
            raise ValueError("issued_at and verified_at must be aware datetimes")


def _graphemes(word: str) -> list[str]:
    """Base characters with the combining marks that follow them (enough for names after NFC)."""
    clusters: list[str] = []
    for char in word:
        if clusters and (unicodedata.combining(char) or char in "\u200d\ufe0f"):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def mask_name(name: str) -> str:
    """Each word's first letter, then one `*` per further letter: "Budi Santoso" -> "B*** S******",
    "Ñoño Şükrü" -> "Ñ*** Ş****". A one-letter word (an initial) stays as it is; whitespace collapses to one
    space; control and format characters are dropped; an empty name gives "". The lengths show, the rest
    does not (the style of bank transfer confirmations)."""
    cleaned = "".join(
        char for char in unicodedata.normalize("NFC", name) if unicodedata.category(char) not in ("Cc", "Cf")
    )
    masked = []
    for word in cleaned.split():
        clusters = _graphemes(word)
        masked.append(clusters[0] + "*" * (len(clusters) - 1))
    return " ".join(masked)


def _format_date(value: date, lang: Language) -> str:
    month = MONTHS[lang][value.month - 1]
    return f"{value.day} {month} {value.year}" if lang == "id" else f"{month} {value.day}, {value.year}"


def _format_time(value: datetime, lang: Language) -> str:
    local = value.astimezone(WIB)
    return f"{_format_date(local.date(), lang)} {local:%H:%M} WIB"


@lru_cache(maxsize=1)
def _template() -> Template:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,  # every value is escaped; the template never marks anything safe
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("verify.html")


def _banner(view: VerificationView, lang: Language) -> tuple[str, str, str]:
    def t(id_: str, en: str) -> str:
        return en if lang == "en" else id_

    if not view.signature_valid:
        return (
            "bad",
            t("TANDA TANGAN TIDAK SAH", "SIGNATURE NOT VALID"),
            t(
                "Data izin ini tidak cocok dengan tanda tangan elektronik penerbit. Jangan terima dokumen ini.",
                "This permit's data does not match the issuer's electronic signature. Do not accept it.",
            ),
        )
    if view.status == "revoked":
        return (
            "bad",
            t("IZIN DICABUT", "PERMIT REVOKED"),
            t("Izin ini telah dicabut dan tidak berlaku lagi.", "This permit has been revoked and is void."),
        )
    if view.status == "expired":
        return (
            "bad",
            t("IZIN KEDALUWARSA", "PERMIT EXPIRED"),
            t("Masa berlaku izin ini telah berakhir.", "This permit's period of validity has ended."),
        )
    if view.status == "suspended":
        return (
            "warn",
            t("IZIN DIBEKUKAN", "PERMIT SUSPENDED"),
            t("Izin ini sedang dibekukan sementara.", "This permit is temporarily suspended."),
        )
    return (
        "ok",
        t("IZIN SAH DAN BERLAKU", "PERMIT VALID"),
        t(
            "Izin ini diterbitkan oleh Pemerintah Kota Pematangsiantar dan tanda tangannya sah.",
            "This permit was issued by the City of Pematangsiantar and its signature checks.",
        ),
    )


def render_verification_html(view: VerificationView, *, lang: str = "id") -> str:
    """The verification page in Bahasa Indonesia ("id", the default) or English ("en"; anything else is id)."""
    language: Language = "en" if lang == "en" else "id"

    def t(id_: str, en: str) -> str:
        return en if language == "en" else id_

    tone, headline, explanation = _banner(view, language)
    return _template().render(
        lang=language,
        view=view,
        t=t,
        pick=t,
        tone=tone,
        headline=headline,
        explanation=explanation,
        valid_from=_format_date(view.valid_from, language),
        valid_until=(
            _format_date(view.valid_until, language)
            if view.valid_until
            else t("selama memenuhi ketentuan", "while the conditions are met")
        ),
        issued_at=_format_time(view.issued_at, language),
        verified_at=_format_time(view.verified_at, language),
        signature_text=(
            t("Sah (cocok dengan data izin)", "Valid (matches the permit data)")
            if view.signature_valid
            else t("TIDAK SAH", "NOT VALID")
        ),
    )


def _style_hash() -> str:
    text = (TEMPLATES / "verify.html").read_text(encoding="utf-8")
    match = re.search(r"<style>(.*?)</style>", text, re.DOTALL)
    if match is None:
        raise RuntimeError("verify.html has no <style> element")
    return base64.b64encode(hashlib.sha256(match[1].encode("utf-8")).digest()).decode("ascii")


# the page needs its one inline <style> element and nothing else
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_style_hash()}'; img-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

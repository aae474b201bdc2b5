"""Template parameters: what kind of value each one is, how it is checked, and how it is shown in the
person's language. Services send raw values (an ISO date, whole rupiah, a status code) and identity, which
knows the person's language, formats them: `2026-12-20` becomes "20 Desember 2026" or "20 December 2026"."""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from urllib.parse import urlsplit

from siantar_shared.i18n import Language, Text
from siantar_shared.schemas.types import RUPIAH_MAX

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTHS_ID = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
_MONTHS_EN = "January February March April May June July August September October November December"


class ParamKind(StrEnum):
    text = "text"  # plain text, one line
    date = "date"  # an ISO 8601 date (YYYY-MM-DD)
    money = "money"  # whole rupiah, as an integer (or a string of digits)
    choice = "choice"  # one of the listed codes, shown with its label in the person's language
    url = "url"  # an https link


class InvalidParameter(ValueError):
    """A parameter value that its kind does not accept; `reason` says why, in both languages."""

    def __init__(self, reason: Text) -> None:
        super().__init__(reason.en)
        self.reason = reason


@dataclass(frozen=True)
class Param:
    kind: ParamKind = ParamKind.text
    max_length: int = 120
    choices: Mapping[str, Text] = field(default_factory=dict)
    allow_empty: bool = False

    def format(self, value: object, language: Language) -> str:
        """The value as the person reads it; `InvalidParameter` if the value does not fit the kind."""
        if self.kind is ParamKind.money:
            return _money(value, language)
        if self.kind is ParamKind.text and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # a count or a number of minutes
        if not isinstance(value, str):
            raise InvalidParameter(Text("Harus berupa teks", "Must be a string"))
        if self.kind is ParamKind.date:
            return _date(value, language)
        if self.kind is ParamKind.choice:
            if value not in self.choices:
                allowed = ", ".join(self.choices)
                raise InvalidParameter(
                    Text(f"Harus salah satu dari: {allowed}", f"Must be one of: {allowed}")
                )
            return self.choices[value].pick(language)
        text = _line(value, self.max_length, self.allow_empty)
        if self.kind is ParamKind.url:
            _check_url(text)
        return text


def _line(value: str, max_length: int, allow_empty: bool) -> str:
    text = value.strip()
    if not text and not allow_empty:
        raise InvalidParameter(Text("Tidak boleh kosong", "Must not be empty"))
    if len(text) > max_length:
        raise InvalidParameter(
            Text(f"Paling banyak {max_length} karakter", f"At most {max_length} characters")
        )
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text):
        raise InvalidParameter(
            Text("Tidak boleh berisi karakter kendali (baris baru)", "Must not contain control characters")
        )
    return text


def _date(value: str, language: Language) -> str:
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(
            Text("Harus berupa tanggal ISO 8601 (YYYY-MM-DD)", "Must be an ISO 8601 date (YYYY-MM-DD)")
        ) from None
    months = (_MONTHS_EN if language == "en" else _MONTHS_ID).split(" ")
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _money(value: object, language: Language) -> str:
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,16}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= RUPIAH_MAX:
        raise InvalidParameter(
            Text("Harus berupa nominal rupiah bulat, tanpa desimal", "Must be a whole rupiah amount")
        )
    grouped = f"{value:,}"
    return f"IDR {grouped}" if language == "en" else "Rp" + grouped.replace(",", ".")


def _check_url(text: str) -> None:
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or " " in text:
        raise InvalidParameter(Text("Harus berupa tautan https://", "Must be an https:// link"))

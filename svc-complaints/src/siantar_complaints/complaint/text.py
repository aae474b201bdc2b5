"""Plain-text fields of complaints: trimmed, no markup, no control characters (newlines and tabs allowed)."""

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field

from siantar_shared.i18n import LocalizedValueError, Text

_MARKUP = re.compile(r"<\s*[A-Za-z!/?]|&#?[A-Za-z0-9]+;")
_NO_MARKUP = Text(
    "Tulis teks biasa: tanda HTML atau markup tidak diterima",
    "Write plain text: HTML or other markup is not accepted",
)
_CONTROL = Text("Teks berisi karakter kendali", "The text contains control characters")


def plain_text(value: str) -> str:
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").strip()
    if _MARKUP.search(text):
        raise LocalizedValueError(_NO_MARKUP)
    if any(unicodedata.category(char) in ("Cc", "Cf") and char not in "\n\t" for char in text):
        raise LocalizedValueError(_CONTROL)
    return text


def one_line(value: str) -> str:
    return " ".join(plain_text(value).split())


Title = Annotated[
    str,
    Field(min_length=5, max_length=200, examples=["Lampu jalan mati di Jl. Sutomo"]),
    AfterValidator(one_line),
]
Description = Annotated[
    str,
    Field(
        min_length=10,
        max_length=4000,
        description="Plain text, at most 4,000 characters",
        examples=[
            "Lampu jalan di depan Gereja HKBP Jl. Sutomo mati sejak tiga hari, jalan gelap di malam hari."
        ],
    ),
    AfterValidator(plain_text),
]
Note = Annotated[str, Field(max_length=4000), AfterValidator(plain_text)]
AddressText = Annotated[
    str,
    Field(min_length=3, max_length=300, examples=["Jl. Sutomo No. 12, depan gereja"]),
    AfterValidator(one_line),
]

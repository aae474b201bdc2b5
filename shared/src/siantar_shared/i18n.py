"""Two languages, Bahasa Indonesia first: picking one from `Accept-Language`, and bilingual text."""

import re
from dataclasses import dataclass
from typing import Literal

Language = Literal["id", "en"]
DEFAULT_LANGUAGE: Language = "id"
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")  # RFC 9110 §12.4.2


@dataclass(frozen=True, slots=True)
class Text:
    """A message in Bahasa Indonesia and English."""

    id: str
    en: str

    def pick(self, language: Language) -> str:
        return self.en if language == "en" else self.id

    def format(self, **params: object) -> "Text":
        return Text(self.id.format(**params), self.en.format(**params))


def pick_language(accept_language: str | None) -> Language:
    """The best of `id`/`en` for an `Accept-Language` header; Indonesian unless English is preferred."""
    best: tuple[float, Language] = (0.0, DEFAULT_LANGUAGE)
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("id", "in", "en"):
            continue
        quality = _quality(params)
        # earlier entries win ties, as browsers list their preference first
        score = quality - position * 1e-6
        if score > best[0]:
            best = (score, "en" if primary == "en" else "id")
    return best[1]


def _quality(params: str) -> float:
    """The `q` weight (1 when absent); a malformed one (`nan`, `2`, `-1`, `abc`) counts as 0, i.e. not acceptable."""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.fullmatch(value) else 0.0
    return 1.0


class LocalizedValueError(ValueError):
    """A validator's error with both languages; the 422 handler shows the one the client prefers."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text

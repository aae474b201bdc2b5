"""The password policy (OWASP ASVS 5.0 level 2, section 6.2), applied wherever a password is chosen.

- length: at least 8 characters (6.2.1; the message recommends 15), up to 128 accepted (6.2.9 asks for 64+),
  counted in Unicode code points after NFKC normalisation, so an emoji or a composed letter counts once;
- no composition rules (6.2.5) and no expiry (6.2.10);
- not one of the 10,000 most common passwords (6.2.4 asks for the top 3,000), compared case-insensitively;
- no context word (6.2.11): the city's names ("siantar", "pematangsiantar", "pemko") and the person's own
  name parts, phone number digits and e-mail local part, case-insensitively;
- not a known breached password (6.2.12), through a `BreachedPasswordChecker` (`security.breached`).

Every failed rule is reported at once, as a 422 problem with one entry per rule in the person's language.
The password is hashed as typed (no normalisation), so sign-in compares exactly what the person set.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from fastapi.exceptions import RequestValidationError

from siantar_shared.i18n import LocalizedValueError, Text

if TYPE_CHECKING:  # breached.py reads the common-password list from here
    from siantar_identity.security.breached import BreachedPasswordChecker

MIN_LENGTH = 8
RECOMMENDED_LENGTH = 15
MAX_LENGTH = 128
CITY_WORDS = ("siantar", "pematangsiantar", "pemko")
MIN_PERSONAL_WORD = 3  # shorter name parts ("Li", "Hu") would forbid too many good passwords
COMMON_PASSWORDS_FILE = "common-passwords-10k.txt"


class Rule(StrEnum):
    too_short = "too_short"
    too_long = "too_long"
    common = "common"
    context_word = "context_word"
    breached = "breached"


MESSAGES: dict[Rule, Text] = {
    Rule.too_short: Text(
        f"Kata sandi minimal {MIN_LENGTH} karakter; kami sarankan {RECOMMENDED_LENGTH} atau lebih, "
        "misalnya beberapa kata acak",
        f"A password needs at least {MIN_LENGTH} characters; we recommend {RECOMMENDED_LENGTH} or more, "
        "such as a few random words",
    ),
    Rule.too_long: Text(
        f"Kata sandi paling banyak {MAX_LENGTH} karakter", f"A password has at most {MAX_LENGTH} characters"
    ),
    Rule.common: Text(
        "Kata sandi ini termasuk yang paling umum dipakai dan mudah ditebak",
        "This password is one of the most commonly used and easy to guess",
    ),
    Rule.context_word: Text(
        "Kata sandi tidak boleh memuat nama kota (Siantar, Pemko), nama Anda, nomor telepon atau alamat "
        "surel Anda",
        "A password may not contain the city's name (Siantar, Pemko), your name, phone number or e-mail "
        "address",
    ),
    Rule.breached: Text(
        "Kata sandi ini pernah bocor dalam pembobolan data; pilih kata sandi lain",
        "This password has appeared in a data breach; choose another one",
    ),
}


@dataclass(frozen=True)
class PasswordContext:
    """What the password must not contain besides the city's names: the person's own data."""

    names: Sequence[str] = ()
    phone: str | None = None  # E.164, +62...
    email: str | None = None
    extra: Sequence[str] = field(default_factory=tuple)

    def words(self) -> set[str]:
        words = set(CITY_WORDS)
        for name in (*self.names, *self.extra):
            words.update(part for part in re.split(r"[\W_]+", fold(name)) if len(part) >= MIN_PERSONAL_WORD)
        if self.phone:
            words.add(self.phone.removeprefix("+62"))  # the national number, in "0812..." and "62812..." too
        if self.email:
            local = fold(self.email.partition("@")[0])
            if len(local) >= MIN_PERSONAL_WORD:
                words.add(local)
        return words


def fold(text: str) -> str:
    """NFKC-normalised and case-folded: the form every comparison uses."""
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list (`data/common-passwords-10k.txt`, see `data/SOURCES.md`), read once."""
    text = files("siantar_identity").joinpath("data", COMMON_PASSWORDS_FILE).read_text(encoding="utf-8")
    return frozenset(fold(line) for line in text.splitlines() if line)


def broken_rules(password: str, context: PasswordContext) -> list[Rule]:
    """The rules `password` breaks, without the breached-password check (which needs I/O)."""
    folded = fold(password)
    length = len(unicodedata.normalize("NFKC", password))
    rules = []
    if length < MIN_LENGTH:
        rules.append(Rule.too_short)
    if length > MAX_LENGTH:
        rules.append(Rule.too_long)
    if folded in common_passwords():
        rules.append(Rule.common)
    if any(word in folded for word in context.words()):
        rules.append(Rule.context_word)
    return rules


async def enforce(
    password: str,
    *,
    context: PasswordContext,
    breached: "BreachedPasswordChecker",
    field: str = "password",
) -> None:
    """Raise `PasswordRejected` (422) listing every broken rule, the breach check included."""
    rules = broken_rules(password, context)
    if Rule.too_long not in rules and await breached.is_breached(password):
        rules.append(Rule.breached)
    if rules:
        raise PasswordRejected(rules, field=field)


class PasswordRejected(RequestValidationError):
    """A 422 validation problem with one error per broken rule, at the password field (`#/<field>`), in the
    language the client asks for (the shared validation handler renders it)."""

    def __init__(self, rules: Iterable[Rule], *, field: str) -> None:
        self.rules = list(rules)
        super().__init__(
            [
                {
                    "type": "value_error",
                    "loc": ("body", field),
                    "msg": MESSAGES[rule].en,
                    "input": None,
                    "ctx": {"error": LocalizedValueError(MESSAGES[rule]), "rule": rule.value},
                }
                for rule in self.rules
            ]
        )

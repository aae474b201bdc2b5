"""Registering a guest reporter."""

import re
import unicodedata
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import PhoneNumber

_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"
)
_EMAIL_SHAPE = Text("Bukan alamat surel yang sah", "Not a valid e-mail address")
_NAME_SHAPE = Text(
    "Nama harus 1-200 karakter tanpa karakter kendali",
    "A name is 1-200 characters without control characters",
)
_NO_CONTACT = Text("Isi nomor telepon atau alamat surel", "Give a phone number or an e-mail address")


def normalise_email(value: str) -> str:
    """Trimmed and lower-cased (as looked up); ASCII addresses of at most 254 characters."""
    email = value.strip().lower()
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        raise LocalizedValueError(_EMAIL_SHAPE)
    return email


def _person_name(value: str) -> str:
    name = " ".join(value.split())
    if not 1 <= len(name) <= 200 or any(unicodedata.category(char) in ("Cc", "Cf") for char in name):
        raise LocalizedValueError(_NAME_SHAPE)
    return name


EmailAddress = Annotated[
    str,
    AfterValidator(normalise_email),
    WithJsonSchema({"type": "string", "format": "email", "examples": ["warga@example.id"]}),
]
PersonName = Annotated[
    str,
    AfterValidator(_person_name),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 200, "examples": ["Rina Simanjuntak"]}),
]


class GuestCreate(BaseModel):
    """A reporter without an account: a name and a phone number and/or an e-mail address, unverified."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Rina Simanjuntak", "phone": "0812-3456-7890", "language": "id"}]
        },
    )

    name: PersonName
    phone: PhoneNumber | None = None
    email: EmailAddress | None = None
    language: Literal["id", "en"] | None = Field(default=None, description="Language of messages; default id")

    @model_validator(mode="after")
    def _a_contact(self) -> Self:
        if self.phone is None and self.email is None:
            raise LocalizedValueError(_NO_CONTACT)
        return self


class GuestCreated(BaseModel):
    subject_id: UUID

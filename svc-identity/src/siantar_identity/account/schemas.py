"""Request and response bodies of registration, one-time codes, password reset and `/me`."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_identity.guest.schemas import EmailAddress, PersonName
from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import Nik, PhoneNumber

Password = Annotated[str, Field(min_length=1, max_length=1024, repr=False)]
NewPassword = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1024,
        repr=False,
        description="8 to 128 characters (15 or more recommended: a few random words); no composition rules; "
        "not a common or breached password, nor containing 'siantar', 'pemko' or your name, phone or e-mail.",
    ),
]
OneTimeCodeText = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{6}$"), Field(description="The 6-digit code that was sent.")
]
TotpCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
Language = Literal["id", "en"]


class PhoneChannel(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"


_ONE_CONTACT = Text(
    "Isi nomor telepon atau alamat surel, salah satu", "Give either a phone number or an e-mail"
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountCreate(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "full_name": "Rina Simanjuntak",
                    "phone": "0812-3456-7890",
                    "email": "rina@example.id",
                    "password": "kopi sore di taman bunga",
                    "language": "id",
                }
            ]
        }
    )

    full_name: PersonName
    phone: PhoneNumber = Field(description="Indonesian number; the verification code is sent to it.")
    email: EmailAddress | None = Field(default=None, description="Optional; verified by code once active.")
    password: NewPassword
    language: Language = "id"
    nik: Nik | None = Field(default=None, description="Optional NIK: gives assurance level 1 once verified.")
    channel: PhoneChannel = Field(
        default=PhoneChannel.sms, description="How to send the code: sms or whatsapp"
    )


class Accepted(BaseModel):
    """The same answer whatever the outcome, so that it never tells whether an account exists."""

    message: str


class PhoneVerification(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "081234567890", "code": "482913"}]})

    phone: PhoneNumber
    code: OneTimeCodeText


class CodeResend(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "081234567890", "channel": "sms"}]})

    phone: PhoneNumber
    channel: PhoneChannel = PhoneChannel.sms


class Activated(BaseModel):
    status: Literal["active"] = "active"
    message: str


class ContactChoice(Body):
    phone: PhoneNumber | None = None
    email: EmailAddress | None = None

    @model_validator(mode="after")
    def _one_contact(self) -> Self:
        if (self.phone is None) == (self.email is None):
            raise LocalizedValueError(_ONE_CONTACT)
        return self


class PasswordResetRequest(ContactChoice):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"phone": "081234567890", "channel": "sms"}, {"email": "rina@example.id"}]
        }
    )

    channel: PhoneChannel = Field(default=PhoneChannel.sms, description="For a phone: sms or whatsapp")


class PasswordResetConfirm(ContactChoice):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"phone": "081234567890", "code": "482913", "new_password": "payung biru di musim hujan"},
                {"email": "rina@example.id", "code": "482913", "new_password": "...", "otp": "204913"},
            ]
        }
    )

    code: OneTimeCodeText
    new_password: NewPassword
    otp: TotpCode | None = Field(
        default=None, description="Authenticator code, if two-step verification is on"
    )
    recovery_code: str | None = Field(
        default=None, max_length=20, description="Or one of your recovery codes"
    )


class Assurance(BaseModel):
    level: int = Field(description="0 contact verified, 1 NIK given and unique, 2 NIK matched by Dukcapil")
    method: str | None = Field(description="nik_self, dukcapil, manual_review")
    verified_at: datetime | None


class MeRead(BaseModel):
    """The signed-in person; phone, e-mail and NIK masked (the full values: `GET /me/personal-data`)."""

    id: UUID
    kind: str
    status: str
    full_name: str | None
    language: str
    phone: str | None = Field(description="Masked, e.g. +62812****7890")
    phone_verified_at: datetime | None
    email: str | None = Field(description="Masked, e.g. r***@example.id")
    email_verified_at: datetime | None
    nik: str | None = Field(description="Masked, e.g. 1272********0001")
    assurance: Assurance
    roles: list[str]
    agency_code: str | None
    mfa_enrolled: bool
    created_at: datetime


class MeUpdate(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"full_name": "Rina Br. Simanjuntak", "language": "en"}]}
    )

    full_name: PersonName | None = None
    language: Language | None = None


class PasswordChange(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"current_password": "...", "new_password": "payung biru di musim hujan"}]
        }
    )

    current_password: Password
    new_password: NewPassword


class PhoneChange(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "081398765432", "password": "...", "channel": "sms"}]}
    )

    phone: PhoneNumber = Field(description="The new number; a code is sent to it")
    password: Password = Field(description="Your current password (re-authentication, ASVS 7.5.1)")
    channel: PhoneChannel = PhoneChannel.sms


class PhoneChangeConfirm(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"phone": "081398765432", "code": "482913"}]})

    phone: PhoneNumber
    code: OneTimeCodeText


class EmailChange(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "rina.baru@example.id", "password": "..."}]}
    )

    email: EmailAddress = Field(description="The new address; a code is sent to it")
    password: Password = Field(description="Your current password (re-authentication, ASVS 7.5.1)")


class EmailChangeConfirm(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "rina.baru@example.id", "code": "482913"}]}
    )

    email: EmailAddress
    code: OneTimeCodeText


class CodeConfirm(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "482913"}]})

    code: OneTimeCodeText


class PersonalData(BaseModel):
    """Your personal data in full, as stored (each read is recorded in the access log)."""

    full_name: str | None
    phone: str | None
    email: str | None
    nik: str | None

"""Request and response bodies of the staff endpoints."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_identity.mfa.schemas import TotpCode
from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import OpdCode, PhoneNumber


class StaffRole(StrEnum):
    officer = "officer"  # an officer of one OPD
    supervisor = "supervisor"  # head of an OPD: manages its officers
    verifier = "verifier"  # the complaints desk at Diskominfo
    inspector = "inspector"  # an inspector of one OPD
    admin = "admin"
    dpo = "dpo"  # the data protection officer (UU 27/2022 Ps. 53)


_EMAIL = re.compile(
    r"[^@\s\x00-\x1f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+"
)
_EMAIL_SHAPE = Text("Alamat e-mail tidak sah", "Not a valid e-mail address")


def _email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise LocalizedValueError(_EMAIL_SHAPE)
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _unique(roles: list[StaffRole]) -> list[StaffRole]:
    if len(set(roles)) != len(roles):
        raise LocalizedValueError(Text("Peran tidak boleh berulang", "Roles must not repeat"))
    return sorted(roles)


Email = Annotated[str, AfterValidator(_email), Field(examples=["petugas.dlh@pematangsiantar.go.id"])]
Username = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9._-]{2,63}$"),
    Field(
        description="3-64 characters: a lowercase letter, then a-z, 0-9, `.`, `_` or `-`",
        examples=["dlh.rina"],
    ),
]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
Roles = Annotated[list[StaffRole], Field(min_length=1, max_length=6), AfterValidator(_unique)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
InvitationCode = Annotated[str, StringConstraints(min_length=12, max_length=20), Field(repr=False)]
NewPassword = Annotated[str, Field(min_length=1, max_length=1024, repr=False)]


class StaffInvite(BaseModel):
    """A new staff member: the invitation code goes to the e-mail address, or else by SMS to the phone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "full_name": "Rina Siregar",
                    "username": "dlh.rina",
                    "email": "rina.siregar@pematangsiantar.go.id",
                    "roles": ["officer"],
                    "agency": "DLH",
                },
                {
                    "full_name": "Andi Purba",
                    "username": "desk.andi",
                    "phone": "0812-6000-1234",
                    "roles": ["verifier"],
                },
            ]
        },
    )

    full_name: FullName
    username: Username
    email: Email | None = None
    phone: PhoneNumber | None = None
    roles: Roles
    agency: OpdCode | None = Field(
        default=None,
        description="Required for officer, supervisor and inspector; DISKOMINFO for a verifier (the default)",
    )
    language: Literal["id", "en"] = "id"

    @model_validator(mode="after")
    def _contact(self) -> Self:
        if self.email is None and self.phone is None:
            raise LocalizedValueError(
                Text(
                    "Isi e-mail atau nomor telepon untuk undangan",
                    "Give an e-mail or a phone for the invitation",
                )
            )
        return self


class StaffUpdate(BaseModel):
    """Only the fields sent change; roles and agency are checked together."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"roles": ["officer", "supervisor"]}, {"agency": "PUTR"}]},
    )

    full_name: FullName | None = None
    roles: Roles | None = None
    agency: OpdCode | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in ("full_name", "roles"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise LocalizedValueError(Text(f"{name} tidak boleh null", f"{name} cannot be null"))
        return self


class StaffDisable(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Mutasi ke Pemprov"}]}
    )

    reason: Reason


class MfaReset(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Ponsel dengan autentikator hilang"}]}
    )

    reason: Reason


class InvitationSent(BaseModel):
    channel: str = Field(description="email or sms", examples=["email"])
    sent: bool = Field(description="False if the channel failed: send a new invitation")
    expires_at: datetime


class StaffMember(BaseModel):
    """A staff account. Contact details are never shown (only how the invitation was sent)."""

    id: UUID
    username: str
    full_name: str | None
    roles: list[str]
    agency: str | None
    status: str = Field(description="pending (invited, or second factor reset), active, disabled")
    mfa_enabled: bool
    created_at: datetime
    disabled_at: datetime | None
    version: int


class StaffDirectoryEntry(BaseModel):
    """What a service may know of a staff member to check a duty it gives them: no name, no contact."""

    subject_id: UUID
    active: bool = Field(description="Whether the account may sign in now (not pending, not disabled)")
    agency: str | None = Field(description="The OPD code (DISKOMINFO for verifiers)", examples=["DLH"])
    roles: list[str] = Field(examples=[["officer"]])


class StaffDirectoryList(BaseModel):
    """Active staff of one role (and OPD), by subject id: no name, no contact."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "subject_id": "0b9f6a52-3c1e-4d7a-9f2e-6a1d5c8e4b21",
                            "active": True,
                            "agency": "DLH",
                            "roles": ["officer", "supervisor"],
                        }
                    ]
                }
            ]
        }
    )

    items: list[StaffDirectoryEntry]


class StaffInvited(StaffMember):
    invitation: InvitationSent | None = Field(description="The invitation sent, if one was")


class InvitationAccept(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "dlh.rina",
                    "code": "7KQM-2XHZ-P9DA",
                    "password": "pohon mangga di halaman kantor",
                }
            ]
        },
    )

    username: Username
    code: InvitationCode = Field(description="The code of the invitation message (dashes and case ignored)")
    password: NewPassword = Field(description="At least 8 characters; a long passphrase is best")


class InvitationConfirm(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"username": "dlh.rina", "code": "7KQM-2XHZ-P9DA", "totp_code": "492039"}]
        },
    )

    username: Username
    code: InvitationCode
    totp_code: TotpCode = Field(description="The 6-digit code the authenticator app shows now")


class StaffActivated(BaseModel):
    """The account is active; the recovery codes are shown once, here."""

    member: StaffMember
    recovery_codes: list[str]

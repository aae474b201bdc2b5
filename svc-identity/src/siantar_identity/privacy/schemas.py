"""Consents, data-subject requests and staff reads of personal data."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, WithJsonSchema, model_validator

from siantar_identity.notify.schemas import Localized
from siantar_identity.privacy.purposes import CONSENT_PURPOSES, PUBLIC_SERVICE_PROCESSING, Purpose
from siantar_shared.i18n import LocalizedValueError, Text

_UNKNOWN_PURPOSE = Text("Tujuan pemrosesan tidak dikenal", "Unknown processing purpose")
_CORRECTION_NEEDED = Text(
    "Permintaan perbaikan wajib menyebut data yang diperbaiki",
    "A correction request must say what to correct",
)
_CORRECTION_ONLY = Text(
    "`correction` hanya untuk permintaan perbaikan", "`correction` belongs to correction requests only"
)
_PASSWORD_NEEDED = Text(
    "Penghapusan dan pembatasan memerlukan kata sandi Anda saat ini",
    "Erasure and restriction need your current password",
)
_ALL_PURPOSES = sorted({*CONSENT_PURPOSES, *PUBLIC_SERVICE_PROCESSING})


def _known_purpose(code: str) -> str:
    if code not in CONSENT_PURPOSES and code not in PUBLIC_SERVICE_PROCESSING:
        raise LocalizedValueError(_UNKNOWN_PURPOSE)
    return code


PurposeCode = Annotated[
    str,
    AfterValidator(_known_purpose),
    WithJsonSchema({"type": "string", "enum": _ALL_PURPOSES, "examples": ["satisfaction_survey"]}),
]


class ConsentChange(BaseModel):
    """Grant (`granted: true`) or withdraw (`false`) consent for one purpose, under the current notice."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"purpose": "satisfaction_survey", "granted": False}]}
    )

    purpose: PurposeCode
    granted: bool


class ConsentEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    purpose: str
    granted: bool
    notice_version: str
    created_at: datetime


class ConsentState(BaseModel):
    """A consent purpose and where the person stands: consent counts only under the current notice."""

    purpose: str
    title: Localized
    description: Localized
    legal_basis: Localized
    notice_version: str
    granted: bool
    since: datetime | None = Field(description="When the person last granted or withdrew it")


class ProcessingWithoutConsent(BaseModel):
    """Processing that rests on law or public-service tasks: listed for transparency, not withdrawable."""

    purpose: str
    title: Localized
    description: Localized
    legal_basis: Localized
    withdrawable: bool = False

    @classmethod
    def of(cls, purpose: Purpose) -> "ProcessingWithoutConsent":
        return cls(
            purpose=purpose.code,
            title=Localized.of(purpose.title),
            description=Localized.of(purpose.description),
            legal_basis=Localized.of(purpose.legal_basis),
        )


class ConsentOverview(BaseModel):
    consents: list[ConsentState]
    processing_without_consent: list[ProcessingWithoutConsent]
    ledger: list[ConsentEventRead] = Field(description="Every grant and withdrawal, oldest first")


class DataRequestKind(StrEnum):
    access = "access"
    correction = "correction"
    erasure = "erasure"
    restriction = "restriction"
    restriction_lift = "restriction_lift"  # processing may resume (the reason for the restriction has passed)


# what a citizen's request does at once, after the password check (staff requests wait for the DPO)
ACTS_AT_ONCE = frozenset(
    {DataRequestKind.erasure, DataRequestKind.restriction, DataRequestKind.restriction_lift}
)


class CorrectionField(StrEnum):
    full_name = "full_name"
    phone = "phone"
    email = "email"
    nik = "nik"
    other = "other"


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: CorrectionField
    value: str = Field(min_length=1, max_length=500, description="What it should say")


class DataRequestCreate(BaseModel):
    """A request under UU 27/2022: answered within 3x24 hours. Erasure, restriction and lifting a restriction
    take effect at once for citizens and need the current password; access and correction go to the data
    protection officer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "correction",
                    "correction": {"field": "full_name", "value": "Rina Br. Simanjuntak"},
                    "message": "Nama saya tertulis tanpa marga.",
                },
                {"kind": "erasure", "password": "kata sandi saya yang panjang"},
            ]
        },
    )

    kind: DataRequestKind
    message: str | None = Field(default=None, max_length=1000, description="Anything the person adds")
    correction: Correction | None = None
    password: SecretStr | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if (self.kind is DataRequestKind.correction) != (self.correction is not None):
            raise LocalizedValueError(_CORRECTION_NEEDED if self.correction is None else _CORRECTION_ONLY)
        if self.kind in ACTS_AT_ONCE and self.password is None:
            raise LocalizedValueError(_PASSWORD_NEEDED)
        return self


class DataRequestRead(BaseModel):
    id: UUID
    kind: str
    status: str = Field(description="open, completed or refused")
    created_at: datetime
    due_at: datetime = Field(description="3x24 hours after the request (UU 27/2022 Ps. 30-41)")
    overdue: bool
    completed_at: datetime | None
    note: str | None = Field(description="The answer of the data protection officer")
    message: str | None
    correction: Correction | None


class DataRequestStaffRead(DataRequestRead):
    account_id: UUID


class DataRequestStatusFilter(StrEnum):
    open = "open"
    completed = "completed"
    refused = "refused"
    all = "all"


class DataRequestOutcome(StrEnum):
    completed = "completed"
    refused = "refused"  # with the reason in the note (UU 27/2022 Ps. 33)


class DataRequestCompletion(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"note": "Nama telah diperbaiki sesuai KTP.", "outcome": "completed"}]
        },
    )

    note: str = Field(min_length=1, max_length=1000, description="What was done, or why it was refused")
    outcome: DataRequestOutcome = DataRequestOutcome.completed


class Reauthentication(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"password": "kata sandi saya"}]}
    )

    password: SecretStr = Field(min_length=1, max_length=1024)


class AccessPurpose(StrEnum):
    complaint_handling = "complaint_handling"  # contacting a reporter about their complaint
    data_request_handling = "data_request_handling"  # answering the person's own data request
    account_support = "account_support"  # helping the person with their account, at their request
    security_investigation = "security_investigation"  # investigating an incident on the account
    legal_request = "legal_request"  # a request from a court or an authority under a statute


class PersonalDataRead(BaseModel):
    """Unmasked personal data, as read by staff for a stated purpose (and recorded as such)."""

    subject_id: UUID
    kind: str
    status: str
    purpose: AccessPurpose
    full_name: str | None
    phone: str | None
    phone_verified: bool
    email: str | None
    email_verified: bool
    nik: str | None = Field(description="Only for the data protection officer and administrators")

"""Request and response bodies of NIK claims, civil-registry verification and NIK review cases."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from siantar_identity.account.schemas import Assurance
from siantar_shared.schemas.types import Nik


class Outcome(StrEnum):
    accepted = "accepted"  # level 1: the NIK is yours (self-asserted, unique)
    unchanged = "unchanged"  # you already hold this NIK
    review = "review"  # another account holds it: a person will look at it
    verified = "verified"  # level 2: Dukcapil matched it
    not_matched = "not_matched"  # Dukcapil did not match the NIK with your name and birth date


class NikClaim(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"nik": "1272015708900001"}]})

    nik: Nik


class NikVerification(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"nik": "1272015708900001", "birth_date": "1990-08-17"},
                {"birth_date": "1990-08-17"},
            ]
        },
    )

    nik: Nik | None = Field(default=None, description="Default: the NIK on your account or under review")
    birth_date: date = Field(description="Your date of birth as on your KTP")


class NikClaimResult(BaseModel):
    outcome: Outcome
    message: str
    assurance: Assurance


class ReviewDecision(StrEnum):
    grant = "grant"  # the claimant gets the NIK (level 1, method manual_review); the holder loses it
    keep_holder = "keep_holder"  # the holder keeps it
    reject = "reject"  # the claim is invalid (a typo, a misuse)


class NikReviewResolve(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"decision": "grant", "note": "KTP dan KK diperiksa di loket Disdukcapil, cocok."}]
        },
    )

    decision: ReviewDecision
    note: str = Field(min_length=3, max_length=1000, description="Why: what was checked (no personal data)")


class NikReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    claimant_id: UUID = Field(validation_alias="account_id")
    holder_id: UUID | None
    nik: str = Field(validation_alias="nik_masked", description="Masked, e.g. 1272********0001")
    status: str
    created_at: datetime
    resolved_by: UUID | None
    resolved_at: datetime | None
    note: str | None

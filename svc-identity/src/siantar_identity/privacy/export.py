"""Everything identity holds about a person, as one JSON document (UU 27/2022 Ps. 7, 13: access and a
machine-readable copy). Complaints and permits export their own records; this is identity's part."""

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account
from siantar_identity.audit import repository as audit_repository
from siantar_identity.audit.models import AuditRecord
from siantar_identity.audit.service import record
from siantar_identity.notify import repository as notify_repository
from siantar_identity.privacy import repository
from siantar_identity.privacy.requests import requests_of
from siantar_identity.privacy.schemas import ConsentEventRead, DataRequestRead
from siantar_identity.security.context import Crypto
from siantar_shared.auth import Principal

AUDIT_TRAIL_LIMIT = 10_000
CONTROLLER = "Pemerintah Kota Pematangsiantar"


class ExportProfile(BaseModel):
    subject_id: UUID
    kind: str
    status: str
    username: str | None
    full_name: str | None
    language: str
    phone: str | None
    phone_verified_at: datetime | None
    email: str | None
    email_verified_at: datetime | None
    nik: str | None
    agency_code: str | None
    created_at: datetime
    restricted_at: datetime | None
    second_factor_since: datetime | None


class ExportAssurance(BaseModel):
    level: int = Field(description="0 contact verified, 1 NIK given, 2 NIK matched by Dukcapil")
    method: str | None
    verifier: str | None
    at: datetime | None


class ExportSession(BaseModel):
    """One sign-in (a token family): which app, when, until when, and how it ended."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    client_id: str
    created_at: datetime
    auth_time: datetime
    absolute_expires_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None


class ExportNotification(BaseModel):
    """A message sent to the person: which template, how and when (the text itself is not kept)."""

    model_config = ConfigDict(from_attributes=True)

    template: str
    channel: str
    status: str
    requested_by: str | None
    created_at: datetime
    sent_at: datetime | None


class ExportAuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    created_at: datetime
    action: str
    outcome: str
    actor_kind: str
    actor_id: UUID | None
    subject_id: UUID | None
    client_id: str | None
    ip: str | None
    purpose: str | None


class ExportNikReview(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: str
    created_at: datetime
    resolved_at: datetime | None


class DataExport(BaseModel):
    """Everything svc-identity holds about the signed-in person."""

    generated_at: datetime
    controller: str = CONTROLLER
    profile: ExportProfile
    assurance: ExportAssurance
    roles: list[str]
    consents: list[ConsentEventRead]
    sessions: list[ExportSession]
    notifications: list[ExportNotification]
    data_requests: list[DataRequestRead]
    nik_reviews: list[ExportNikReview]
    audit_trail: list[ExportAuditEntry] = Field(description="As actor or as subject, newest first")
    audit_trail_truncated: bool


async def build(
    session: AsyncSession,
    crypto: Crypto,
    account: Account,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> DataExport:
    """The export, after re-authentication (see the endpoint); the unmasked read is audited (`pii.read`,
    purpose `data_export`) before the trail is collected, so the export shows its own record."""
    await record(
        session,
        "pii.read",
        request=request,
        actor=principal,
        subject_id=account.id,
        purpose="data_export",
        fields=["full_name", "phone", "email", "nik"],
    )
    trail = await audit_repository.trail_of(session, account.id, limit=AUDIT_TRAIL_LIMIT + 1)
    return DataExport(
        generated_at=at,
        profile=ExportProfile(**_profile(crypto, account)),
        assurance=ExportAssurance(
            level=account.assurance_level,
            method=account.assurance_method,
            verifier=account.assurance_verifier,
            at=account.assurance_at,
        ),
        roles=list(account.roles),
        consents=[
            ConsentEventRead.model_validate(e) for e in await repository.consent_ledger(session, account.id)
        ],
        sessions=[
            ExportSession.model_validate(f) for f in await repository.token_families(session, account.id)
        ],
        notifications=[
            ExportNotification.model_validate(n)
            for n in await notify_repository.list_for_account(session, account.id)
        ],
        data_requests=await requests_of(session, crypto, account.id, at),
        nik_reviews=[
            ExportNikReview.model_validate(r) for r in await repository.nik_reviews_of(session, account.id)
        ],
        audit_trail=[_trail_entry(entry, account) for entry in trail[:AUDIT_TRAIL_LIMIT]],
        audit_trail_truncated=len(trail) > AUDIT_TRAIL_LIMIT,
    )


def _trail_entry(entry: AuditRecord, account: Account) -> ExportAuditEntry:
    """An audit record as the person sees it: who acted on their data is shown by id, but the address of
    someone else (a staff member's IP) is their personal data, not the person's."""
    shown = ExportAuditEntry.model_validate(entry)
    return shown if entry.actor_id == account.id else shown.model_copy(update={"ip": None})


def _profile(crypto: Crypto, account: Account) -> dict[str, Any]:
    return {
        "subject_id": account.id,
        "kind": account.kind,
        "status": account.status,
        "username": account.username,
        "full_name": account.full_name,
        "language": account.language,
        "phone": contacts.read_phone(account, crypto),
        "phone_verified_at": account.phone_verified_at,
        "email": contacts.read_email(account, crypto),
        "email_verified_at": account.email_verified_at,
        "nik": contacts.read_nik(account, crypto),
        "agency_code": account.agency_code,
        "created_at": account.created_at,
        "restricted_at": account.restricted_at,
        "second_factor_since": account.totp_confirmed_at,
    }

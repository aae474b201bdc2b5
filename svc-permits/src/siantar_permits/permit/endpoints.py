"""`GET /permits/v1/verify/{code}`: public check of a permit from its QR code (non-personal data only)."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from siantar_permits.application.models import Application
from siantar_permits.application.states import State
from siantar_permits.config import Settings
from siantar_permits.dependencies import SignerDep
from siantar_permits.permit import service
from siantar_permits.permit_type import service as type_service
from siantar_shared.calendar import WIB
from siantar_shared.db import SessionDep, utcnow
from siantar_shared.errors import NotFound
from siantar_shared.i18n import Text

router = APIRouter(tags=["verification"])
CodePath = Annotated[str, Path(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class Verification(BaseModel):
    number: str = Field(examples=["503/0001/REKL/DPMPTSP/2026"])
    type: str
    type_name_id: str
    type_name_en: str
    holder_name_masked: str = Field(examples=["C* M*** B******"])
    issuer: str
    issued_at: datetime
    valid_from: date
    valid_until: date | None
    status: str = Field(description="valid, expired or revoked")
    signature_valid: bool
    verified_at: datetime


def mask(name: str) -> str:
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split())


async def view(session: SessionDep, signer: SignerDep, settings: Settings, code: str) -> Verification:
    permit = await service.by_code(session, code)
    if permit is None:
        raise NotFound(Text("Kode verifikasi tidak dikenal", "Unknown verification code"))
    app = await session.get(Application, permit.application_id)
    assert app is not None
    definition = type_service.definition_of(
        await type_service.get_version_by_id(session, app.type_version_id)
    )
    now = utcnow()
    status = "valid"
    if permit.revoked_at is not None or app.state == State.revoked.value:
        status = "revoked"
    elif (
        permit.valid_until is not None and permit.valid_until < now.astimezone(WIB).date()
    ) or app.state == State.expired.value:
        status = "expired"
    return Verification(
        number=permit.number,
        type=permit.type_code,
        type_name_id=definition.name.id,
        type_name_en=definition.name.en,
        holder_name_masked=mask(str(permit.signed_fields.get("holder", ""))),
        issuer=settings.ISSUER_NAME,
        issued_at=permit.issued_at,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        status=status,
        signature_valid=await service.signature_checks(signer, permit),
        verified_at=now,
    )


@router.get(
    "/verify/{code}",
    response_model=Verification,
    summary="Verify a permit (public, from its QR code)",
    responses={404: {"description": "Unknown code"}},
)
async def verify(code: CodePath, session: SessionDep, signer: SignerDep, request: Request) -> Verification:
    """Public: the permit's number, type, masked holder name, issuer, validity, status (a revoked or
    expired permit says so) and whether its signature checks. No personal data."""
    return await view(session, signer, request.state.settings, code)

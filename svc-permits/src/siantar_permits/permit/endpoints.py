"""`GET /permits/v1/verify/{code}`: public check of a permit from its QR code (non-personal data only)."""

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from siantar_permits.application.models import Application
from siantar_permits.application.states import State
from siantar_permits.config import Settings
from siantar_permits.dependencies import SignerDep
from siantar_permits.permit import service
from siantar_permits.permit_type import service as type_service
from siantar_permits.verification.page import (
    CONTENT_SECURITY_POLICY,
    VerificationView,
    mask_name,
    render_verification_html,
)
from siantar_shared.calendar import WIB
from siantar_shared.db import SessionDep, utcnow
from siantar_shared.errors import NotFound, request_language
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
    status: Literal["valid", "expired", "revoked"]
    signature_valid: bool
    verified_at: datetime


async def view(session: SessionDep, signer: SignerDep, settings: Settings, code: str) -> Verification:
    permit = await service.by_code(session, code)
    if permit is None:
        raise NotFound(Text("Kode verifikasi tidak dikenal", "Unknown verification code"))
    app = await session.get(Application, permit.application_id)
    assert app is not None
    definition = await type_service.definition_by_version(session, app.type_version_id)
    now = utcnow()
    status: Literal["valid", "expired", "revoked"] = "valid"
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
        holder_name_masked=mask_name(str(permit.signed_fields.get("holder", ""))),
        issuer=settings.ISSUER_NAME,
        issued_at=permit.issued_at,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        status=status,
        signature_valid=await service.signature_checks(signer, permit),
        verified_at=now,
    )


STATUS_TEXT = {
    "valid": ("Izin berlaku", "Permit valid"),
    "expired": ("Izin sudah habis masa berlakunya", "Permit expired"),
    "revoked": ("Izin telah dicabut", "Permit revoked"),
}


def wants_html(request: Request) -> bool:
    """A browser (a phone scanning the QR) asks for text/html before JSON."""
    accept = request.headers.get("accept", "")
    html, json_ = accept.find("text/html"), accept.find("application/json")
    return html >= 0 and (json_ < 0 or html < json_)


@router.get(
    "/verify/{code}",
    response_model=Verification,
    summary="Verify a permit (public, from its QR code)",
    responses={
        200: {"content": {"text/html": {"example": "<!doctype html>..."}}},
        404: {"description": "Unknown code"},
    },
)
async def verify(code: CodePath, session: SessionDep, signer: SignerDep, request: Request) -> Response:
    """Public: the permit's number, type, masked holder name, issuer, validity, status (a revoked or
    expired permit says so) and whether its signature checks. No personal data. A browser gets the HTML
    page (`Accept: text/html`, in Bahasa Indonesia or English per `Accept-Language`), a client JSON."""
    result = await view(session, signer, request.state.settings, code)
    headers = {"Cache-Control": "no-store", "Vary": "Accept, Accept-Language"}
    if not wants_html(request):
        return Response(result.model_dump_json(), media_type="application/json", headers=headers)
    text_id, text_en = STATUS_TEXT[result.status]
    page = VerificationView(
        number=result.number,
        type_name_id=result.type_name_id,
        type_name_en=result.type_name_en,
        holder_name_masked=result.holder_name_masked,
        issuer_name=result.issuer,
        valid_from=result.valid_from,
        valid_until=result.valid_until,
        status=result.status,
        status_text_id=text_id,
        status_text_en=text_en,
        signature_valid=result.signature_valid,
        issued_at=result.issued_at,
        verified_at=result.verified_at,
    )
    language = request_language(request)
    html = render_verification_html(page, lang=language)
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return HTMLResponse(html, headers=headers)

"""`GET /permits/v1/open-data/blds.csv` and `.json`: issued permits of types with an `open_data` mapping
(PBG, SLF, izin reklame), in BLDS v1.2. Types held by persons (SIP, izin penelitian) have no mapping and can
never get one (the definition refuses it), and only addresses, dates, statuses and sizes are published:
no names, NIK or phone numbers."""

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.models import Application
from siantar_permits.application.states import BLDS_STATUS, State
from siantar_permits.opendata.blds import BldsRecord, to_csv, to_json
from siantar_permits.permit.models import Permit
from siantar_permits.permit_type.models import PermitTypeVersion
from siantar_permits.permit_type.schemas import PermitTypeDefinition
from siantar_shared.db import SessionDep

router = APIRouter(tags=["open data"])
PUBLISHED_STATES = (State.issued, State.expired, State.revoked, State.renewed)
LIMIT = 50_000
CACHE = {"Cache-Control": "public, max-age=3600"}


async def records(session: AsyncSession) -> list[BldsRecord]:
    statement = (
        select(Application, Permit, PermitTypeVersion.definition)
        .join(Permit, Permit.application_id == Application.id)
        .join(PermitTypeVersion, PermitTypeVersion.id == Application.type_version_id)
        .where(Application.state.in_([s.value for s in PUBLISHED_STATES]))
        .order_by(Permit.issued_at, Permit.id)
        .limit(LIMIT)
    )
    out = []
    for app, permit, raw in (await session.execute(statement)).all():
        definition = PermitTypeDefinition.model_validate(raw)
        if definition.open_data is not None and definition.holder != "person":
            out.append(record(app, permit, definition))
    return out


def record(app: Application, permit: Permit, definition: PermitTypeDefinition) -> BldsRecord:
    mapping = definition.open_data
    assert mapping is not None
    form: dict[str, Any] = app.form
    zip_code = str(form.get("kode_pos", "")) or None
    return BldsRecord(
        permit_num=permit.number,
        description=definition.name.id,
        original_address1=str(form.get("alamat") or form.get("alamat_praktik") or "-"),
        applied_date=app.submitted_at.date() if app.submitted_at else None,
        issued_date=permit.issued_at.date(),
        status_current=app.state,
        status_current_mapped=BLDS_STATUS[State(app.state)],
        original_zip=zip_code if zip_code and zip_code.isdigit() and len(zip_code) == 5 else None,
        permit_class_mapped=mapping.permit_class_mapped,
        work_class_mapped=mapping.work_class_mapped,
        permit_type=mapping.permit_type,
        permit_type_mapped=mapping.permit_type_mapped,
        permit_type_desc=definition.name.en,
        total_area_m2=_area(form),
        expires_date=permit.valid_until,
        extra_fields={"kode_kelurahan": str(form["kelurahan"])} if form.get("kelurahan") else {},
    )


def _area(form: dict[str, Any]) -> Decimal | None:
    for key in ("luas_bangunan_m2", "luas_m2"):
        if form.get(key) is not None:
            try:
                return Decimal(str(form[key]))
            except InvalidOperation:
                return None
    return None


@router.get(
    "/open-data/blds.csv",
    summary="Open data: BLDS CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def blds_csv(session: SessionDep) -> Response:
    """Issued PBG, SLF and billboard permits as BLDS v1.2 CSV (RFC 4180, UTF-8). Public."""
    text = to_csv(await records(session))
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers=CACHE)


@router.get("/open-data/blds.json", summary="Open data: BLDS JSON")
async def blds_json(session: SessionDep) -> Response:
    """The same records as JSON (`fields` in BLDS order, `records`). Public."""
    body = json.dumps(to_json(await records(session)), ensure_ascii=False, default=str)
    return Response(body.encode("utf-8"), media_type="application/json", headers=CACHE)

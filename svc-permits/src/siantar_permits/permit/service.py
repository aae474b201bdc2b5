"""Issuing a permit: number from the type's locked counter, validity, the signature over the essential
fields, a random verification code (192 bits; only its SHA-256 is kept), the PDF with its QR code, its
SHA-256, and storage. Also the public verification view (non-personal data only)."""

import base64
import calendar
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.models import Application
from siantar_permits.application.numbers import next_number
from siantar_permits.application.states import State
from siantar_permits.application.workflow import record
from siantar_permits.audit import Actor
from siantar_permits.config import Settings
from siantar_permits.issuance.pdf import PermitDocument, render_permit_pdf
from siantar_permits.issuance.signing import Signer, canonical_payload
from siantar_permits.notify import outbox
from siantar_permits.permit.models import Permit
from siantar_permits.permit_type.schemas import PermitTypeDefinition
from siantar_shared.calendar import WIB
from siantar_shared.db import on_rollback
from siantar_shared.storage import Storage
from siantar_shared.threads import run_cpu_bound

PDF_KEY_PREFIX = "permits/"  # every issued permit's PDF: permits/<application id>/permit-<n>-<id>.pdf
CODE_BYTES = 24  # 192 bits


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def verify_url(settings: Settings, code: str) -> str:
    return f"{settings.PUBLIC_URL.rstrip('/')}/permits/v1/verify/{code}"


def valid_until(definition: PermitTypeDefinition, start: date) -> date | None:
    if definition.validity_months is None:
        return None
    return add_months(start, definition.validity_months) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter: 31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class Issuance:
    settings: Settings
    storage: Storage
    signer: Signer

    async def issue(
        self, session: AsyncSession, app: Application, definition: PermitTypeDefinition, now: datetime
    ) -> Permit:
        local = now.astimezone(WIB)
        seq = await next_number(session, f"permit:{app.type_code}", local.year)
        number = definition.format_number(seq, local)
        start = local.date()
        until = valid_until(definition, start)
        fields = {
            "number": number,
            "type": app.type_code,
            "type_version": str(app.type_version),
            "holder": app.applicant_name,
            "issuer": definition.issuing_opd,
            "issued_at": now.isoformat(),
            "valid_from": start.isoformat(),
            "valid_until": until.isoformat() if until else "",
            "application": str(app.id),
        }
        signature = await self.signer.sign(canonical_payload(fields))
        code = secrets.token_urlsafe(CODE_BYTES)
        rows = tuple(
            (f.label.id, _text(app.form.get(f.code)))
            for f in definition.form
            if not f.personal and f.code in app.form
        )
        document = PermitDocument(
            number=number,
            type_code=app.type_code,
            type_name_id=definition.name.id,
            type_name_en=definition.name.en,
            holder_name=app.applicant_name,
            fields=rows,
            issuer_name=self.settings.ISSUER_NAME,
            legal_basis=definition.legal_basis,
            issued_at=now,
            valid_from=start,
            valid_until=until,
            verify_url=verify_url(self.settings, code),
            signature_key_id=self.signer.key_id,
            signature_algorithm=self.signer.algorithm,
            signature_b64=base64.b64encode(signature).decode(),
        )
        pdf = await run_cpu_bound(render_permit_pdf, document)
        key = f"{PDF_KEY_PREFIX}{app.id}/permit-{seq}-{uuid4()}.pdf"  # never another issuance's file
        on_rollback(session, partial(self.storage.delete, key))  # no file without its permit row
        stored = await self.storage.put(key, pdf, "application/pdf")
        permit = Permit(
            application_id=app.id,
            type_code=app.type_code,
            number=number,
            issued_at=now,
            valid_from=start,
            valid_until=until,
            pdf_key=stored.key,
            pdf_sha256=stored.sha256,
            signed_fields=fields,
            signature=document.signature_b64,
            signature_key_id=self.signer.key_id,
            signature_algorithm=self.signer.algorithm,
            verification_hash=code_hash(code),
        )
        session.add(permit)
        await session.flush()
        await _supersede(session, app)
        await outbox.queue(
            session, app, "permit_issued", {"application_number": app.reference, "permit_number": number}
        )
        return permit


async def _supersede(session: AsyncSession, app: Application) -> None:
    """Issuing a renewal ends the permit it renews."""
    if app.renewal_of is None:
        return
    old = await session.get(Application, app.renewal_of)
    if old is not None and old.state in (State.issued.value, State.expired.value):
        before, old.state = old.state, State.renewed.value
        await record(
            session,
            old,
            action="renewed",
            before=before,
            by=Actor.system("renewal"),
            data={"renewal": str(app.id)},
        )


def _text(value: object) -> str:
    return "Ya" if value is True else "Tidak" if value is False else str(value)


async def signature_checks(signer: Signer, permit: Permit) -> bool:
    fields = {str(k): str(v) for k, v in permit.signed_fields.items()}
    return await signer.verify(
        canonical_payload(fields), base64.b64decode(permit.signature), permit.signature_key_id
    )


async def by_code(session: AsyncSession, code: str) -> Permit | None:
    return await session.scalar(select(Permit).where(Permit.verification_hash == code_hash(code)))

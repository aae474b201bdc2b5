"""Fee assessment (SKRD) and payments: the bank's signed callback and an officer's record with proof.

A payment must equal the assessment exactly; a payment reference is used once. The same callback sent again
(the bank retries) answers what the first did and changes nothing; the same reference with other content is
refused (409).
"""

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import sla
from siantar_permits.application.exceptions import ApplicationInvalid, WrongState
from siantar_permits.application.models import Application
from siantar_permits.application.numbers import next_number
from siantar_permits.application.service import DECIDERS, definition_of
from siantar_permits.application.states import State
from siantar_permits.application.workflow import check_version, must, record, require_state, transition
from siantar_permits.audit import Actor
from siantar_permits.auth import is_licensing_staff
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.fee.models import FeeAssessment, Payment
from siantar_permits.notify import outbox
from siantar_permits.permit_type.schemas import FeeMethod, PermitTypeDefinition
from siantar_shared.auth import Principal
from siantar_shared.calendar import WIB
from siantar_shared.errors import Conflict
from siantar_shared.i18n import Text

BANK_CALLBACK = "bank_callback"  # the channel of a payment the bank reported


class BankCallback(BaseModel):
    """What the bank posts when a billing code is paid."""

    payment_reference: str = Field(min_length=4, max_length=64, examples=["BSU-20261128-000123"])
    billing_code: str = Field(min_length=4, max_length=32, examples=["727220260000001"])
    amount: int = Field(ge=1, examples=[1200000])
    paid_at: datetime


class OfficerPayment(BaseModel):
    payment_reference: str = Field(min_length=4, max_length=64)
    amount: int = Field(ge=1)
    paid_at: datetime
    proof_document_id: UUID
    note: str | None = Field(default=None, max_length=2000)


class PaymentRecorded(BaseModel):
    application_id: UUID
    payment_reference: str
    amount: int
    state: str
    duplicate: bool = Field(description="True when this reference was already recorded (nothing changed)")
    surplus: bool = Field(
        default=False,
        description="True when the fee was already settled or the application had ended: the payment is kept "
        "for a refund and the application does not move",
    )


class PaymentConflict(Conflict):
    slug = "payment-conflict"
    title = Text("Pembayaran tidak cocok", "Payment does not match")


def amount_for(definition: PermitTypeDefinition, form: dict[str, object]) -> tuple[int, str | None]:
    """The fee in whole rupiah (rounded half up) and the quantity it was computed from."""
    fee = definition.fee
    if fee.method == FeeMethod.fixed:
        return int(fee.amount or 0), None
    if fee.method == FeeMethod.rate:
        quantity = Decimal(str(form[str(fee.quantity_field)]))
        total = (quantity * (fee.rate or 0)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(total), str(quantity)
    return 0, None


async def assess(
    session: AsyncSession, app: Application, principal: Principal, if_match: str | None, now: datetime
) -> FeeAssessment:
    check_version(app, if_match)
    must(
        is_licensing_staff(principal) and principal.has_role(*DECIDERS),
        "Hanya petugas DPMPTSP",
        "Only DPMPTSP staff",
    )
    require_state(app, State.fee_assessment)
    definition = await definition_of(session, app)
    amount, quantity = amount_for(definition, app.form)
    year = now.astimezone(WIB).year
    seq = await next_number(session, "skrd", year)
    assessment = FeeAssessment(
        application_id=app.id,
        kind=definition.fee.kind.value,
        skrd_number=f"SKRD/{seq:06d}/{definition.number_code}/{year}",
        billing_code=f"7272{year}{seq:08d}",  # kode wilayah 72.72 + year + counter, as BPKPD's e-billing formats it [U]
        amount=amount,
        quantity=quantity,
        due_date=(now.astimezone(WIB) + timedelta(days=definition.fee.due_days)).date(),
        assessed_by=principal.subject,
    )
    session.add(assessment)
    cal = await sla.calendar(session)
    data = {"skrd_number": assessment.skrd_number, "amount": amount, "billing_code": assessment.billing_code}
    await transition(
        session,
        app,
        definition,
        to=State.awaiting_payment,
        action="assess_fee",
        by=Actor.of(principal),
        now=now,
        cal=cal,
        data=data,
    )
    params = {
        "application_number": app.reference,
        "skrd_number": assessment.skrd_number,
        "amount": amount,
        "due_date": assessment.due_date.isoformat(),
    }
    await outbox.queue(session, app, "fee_assessed", params)
    return assessment


async def _apply(
    session: AsyncSession,
    assessment: FeeAssessment,
    *,
    reference: str,
    amount: int,
    paid_at: datetime,
    channel: str,
    by: Actor,
    now: datetime,
    proof: UUID | None = None,
    note: str | None = None,
) -> PaymentRecorded:
    app = await session.get(Application, assessment.application_id)
    assert app is not None
    previous = await session.scalar(select(Payment).where(Payment.reference == reference))
    if previous is not None:
        return _recorded_before(previous, app, reference=reference, amount=amount)
    if channel == BANK_CALLBACK and (assessment.paid_at is not None or app.state != State.awaiting_payment):
        # the bank has taken the money: refusing its callback would lose the record of it
        return await _surplus(session, app, reference=reference, amount=amount, paid_at=paid_at, by=by)
    if amount != assessment.amount:
        raise PaymentConflict(
            Text(
                f"Jumlah {amount} tidak sama dengan tagihan {assessment.amount}",
                f"Amount {amount} differs from the assessment {assessment.amount}",
            )
        )
    require_state(app, State.awaiting_payment)
    payment = Payment(
        application_id=app.id,
        reference=reference,
        channel=channel,
        amount=amount,
        paid_at=paid_at,
        proof_document_id=proof,
        recorded_by=by.id,
        note=note,
    )
    if not await _inserted(session, payment):
        return await _recorded_meanwhile(session, app, reference=reference, amount=amount)
    assessment.paid_at = paid_at
    definition = await definition_of(session, app)
    cal = await sla.calendar(session)
    data = {"reference": reference, "amount": amount, "channel": channel}
    await transition(
        session,
        app,
        definition,
        to=State.approval,
        action="payment",
        by=by,
        now=now,
        cal=cal,
        note=note,
        data=data,
    )
    return PaymentRecorded(
        application_id=app.id, payment_reference=reference, amount=amount, state=app.state, duplicate=False
    )


async def _surplus(
    session: AsyncSession, app: Application, *, reference: str, amount: int, paid_at: datetime, by: Actor
) -> PaymentRecorded:
    """A bank payment for a fee already settled, or for an application no longer awaiting it: kept, marked
    surplus, recorded on the application's history (and its event) without changing its state, so that the
    licensing office refunds it."""
    payment = Payment(
        application_id=app.id, reference=reference, channel=BANK_CALLBACK, amount=amount, paid_at=paid_at,
        recorded_by=by.id, surplus=True,
    )  # fmt: skip
    if not await _inserted(session, payment):
        return await _recorded_meanwhile(session, app, reference=reference, amount=amount)
    data = {"reference": reference, "amount": amount, "channel": BANK_CALLBACK}
    await record(session, app, action="surplus_payment", before=app.state, by=by, data=data, bump=False)
    return PaymentRecorded(
        application_id=app.id, payment_reference=reference, amount=amount, state=app.state, duplicate=False,
        surplus=True,
    )  # fmt: skip


async def _inserted(session: AsyncSession, payment: Payment) -> bool:
    """Insert the payment under a savepoint; False when its reference was recorded meanwhile (the bank's retry
    crossing its first attempt): the unique reference decides, and the other attempt answers as a duplicate."""
    try:
        async with session.begin_nested():
            session.add(payment)
    except IntegrityError:
        return False
    return True


async def _recorded_meanwhile(
    session: AsyncSession, app: Application, *, reference: str, amount: int
) -> PaymentRecorded:
    await session.refresh(app, attribute_names=["state"])  # as the other attempt left it
    previous = await session.scalar(select(Payment).where(Payment.reference == reference))
    if previous is None:  # not a duplicate reference after all: let the caller's request fail and be retried
        raise PaymentConflict(Text("Pembayaran tidak dapat dicatat", "The payment could not be recorded"))
    return _recorded_before(previous, app, reference=reference, amount=amount)


def _recorded_before(previous: Payment, app: Application, *, reference: str, amount: int) -> PaymentRecorded:
    """The answer for a reference already recorded: the same payment again, or a conflict."""
    if previous.application_id != app.id or previous.amount != amount:
        raise PaymentConflict(
            Text(
                "Referensi pembayaran sudah dipakai untuk data lain",
                "This payment reference was already used for other data",
            )
        )
    return PaymentRecorded(
        application_id=app.id, payment_reference=reference, amount=amount, state=app.state, duplicate=True,
        surplus=previous.surplus,
    )  # fmt: skip


async def bank_callback(session: AsyncSession, body: BankCallback, now: datetime) -> PaymentRecorded:
    assessment = await session.scalar(
        select(FeeAssessment).where(FeeAssessment.billing_code == body.billing_code)
    )
    if assessment is None:
        raise ApplicationInvalid(Text("Kode billing tidak dikenal", "Unknown billing code"))
    return await _apply(
        session,
        assessment,
        reference=body.payment_reference,
        amount=body.amount,
        paid_at=body.paid_at,
        channel=BANK_CALLBACK,
        by=Actor.system("bank-callback"),
        now=now,
    )


async def officer_payment(
    session: AsyncSession,
    app: Application,
    body: OfficerPayment,
    principal: Principal,
    if_match: str | None,
    now: datetime,
) -> PaymentRecorded:
    """An officer records a payment made at the counter, with the slip uploaded as a document."""
    check_version(app, if_match)
    must(
        is_licensing_staff(principal) and principal.has_role(*DECIDERS),
        "Hanya petugas DPMPTSP",
        "Only DPMPTSP staff",
    )
    assessment = await session.scalar(select(FeeAssessment).where(FeeAssessment.application_id == app.id))
    if assessment is None:
        raise WrongState(Text("Belum ada penetapan retribusi", "No fee has been assessed"))
    proof = await session.get(ApplicationDocument, body.proof_document_id)
    if proof is None or proof.application_id != app.id:
        raise ApplicationInvalid(
            Text(
                "Bukti bayar tidak ditemukan pada permohonan ini",
                "Proof of payment not found on this application",
            )
        )
    return await _apply(
        session,
        assessment,
        reference=body.payment_reference,
        amount=body.amount,
        paid_at=body.paid_at,
        channel="officer",
        by=Actor.of(principal),
        now=now,
        proof=proof.id,
        note=body.note,
    )

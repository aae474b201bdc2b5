"""`POST /permits/v1/payments/bank-callback`: the bank reports a payment, signed with the shared secret."""

from fastapi import APIRouter, Request
from pydantic import ValidationError

from siantar_permits.config import Settings
from siantar_permits.fee import service
from siantar_permits.payment.callback import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_bank_signature
from siantar_shared.db import SessionDep, utcnow
from siantar_shared.errors import UnprocessableContent
from siantar_shared.i18n import Text

router = APIRouter(tags=["payments"])


@router.post(
    "/payments/bank-callback",
    response_model=service.PaymentRecorded,
    summary="Bank payment callback",
    responses={
        401: {"description": "Missing, wrong or stale signature (replay)"},
        409: {"description": "Amount differs from the assessment, or the reference was used for other data"},
    },
    openapi_extra={
        "parameters": [
            {
                "name": TIMESTAMP_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "example": "1795900000",
            },
            {
                "name": SIGNATURE_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "hex HMAC-SHA256 of timestamp + '.' + body",
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": service.BankCallback.model_json_schema(),
                    "example": {
                        "payment_reference": "BSU-20261128-000123",
                        "billing_code": "727220260000001",
                        "amount": 1200000,
                        "paid_at": "2026-11-28T09:15:00+07:00",
                    },
                }
            },
        },
    },
)
async def bank_callback(request: Request, session: SessionDep) -> service.PaymentRecorded:
    """The signature over the raw body and the timestamp is checked first (a stale timestamp is a replay:
    401); the payment is idempotent on its reference (the same callback again changes nothing and says
    `duplicate: true`); the amount must equal the assessment (409). A payment for a fee already settled (paid
    at the counter too) or for an application no longer awaiting payment is kept for a refund and says
    `surplus: true`: the bank has the money, so it is never refused."""
    settings: Settings = request.state.settings
    raw = await request.body()
    now = utcnow()
    verify_bank_signature(
        settings.BANK_CALLBACK_SECRET.get_secret_value().encode(),
        raw,
        request.headers.get(TIMESTAMP_HEADER),
        request.headers.get(SIGNATURE_HEADER),
        now=now,
        tolerance_seconds=settings.BANK_CALLBACK_TOLERANCE_SECONDS,
    )
    try:
        body = service.BankCallback.model_validate_json(raw)
    except ValidationError as exc:
        raise UnprocessableContent(Text("Isi callback tidak sah", "Invalid callback body")) from exc
    return await service.bank_callback(session, body, now)

"""`/identity/v1/accounts`: citizen registration, phone verification and password reset, open to anyone.

None of these answers tells whether an account exists: registration, resending a code and asking for a
reset always answer 202 with the same body; a wrong code, an unknown phone and an expired code are the same
400 problem.
"""

from typing import Any

from fastapi import APIRouter, status

from siantar_identity.account import recovery, registration
from siantar_identity.account.dependencies import AccountSessionDep, ToolsDep
from siantar_identity.account.schemas import (
    Accepted,
    AccountCreate,
    Activated,
    CodeResend,
    PasswordResetConfirm,
    PasswordResetRequest,
    PhoneVerification,
)
from siantar_shared.errors import request_language
from siantar_shared.i18n import Text

Responses = dict[int | str, dict[str, Any]]
router = APIRouter(prefix="/accounts", tags=["accounts"])

REGISTERED = Text(
    "Jika nomor ini dapat didaftarkan, kode verifikasi telah dikirim ke nomor tersebut. Masukkan kode itu "
    "untuk mengaktifkan akun. Jika nomor ini sudah terdaftar, pemiliknya menerima pemberitahuan.",
    "If this number can be registered, a verification code has been sent to it. Enter the code to activate "
    "the account. If the number is already registered, its owner has been notified.",
)
RESENT = Text(
    "Jika ada pendaftaran yang menunggu verifikasi untuk nomor ini, kode baru telah dikirim.",
    "If a registration for this number is waiting for verification, a new code has been sent.",
)
RESET_SENT = Text(
    "Jika nomor atau alamat ini dapat dipakai untuk mengatur ulang kata sandi, kode telah dikirim ke sana.",
    "If this number or address can be used to reset a password, a code has been sent to it.",
)
ACTIVATED = Text(
    "Nomor terverifikasi, akun aktif. Silakan masuk.", "Number verified, account active. Sign in."
)
RESET_DONE = Text(
    "Kata sandi telah diganti dan semua sesi diakhiri. Silakan masuk dengan kata sandi baru.",
    "The password was changed and every session ended. Sign in with the new password.",
)
_INVALID_CODE: Responses = {400: {"description": "Wrong, expired, used or unknown code (one answer for all)"}}
_LIMITED: Responses = {
    429: {"description": "Too many codes sent for this number or from this address; see Retry-After"}
}
_POLICY: Responses = {
    422: {"description": "Invalid body, or the password breaks the policy (every broken rule listed)"}
}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={**_POLICY, **_LIMITED},
    summary="Register a citizen account",
)
async def register(body: AccountCreate, session: AccountSessionDep, tools: ToolsDep) -> Accepted:
    """Register with full name, phone (+62), password, language and, optionally, e-mail and NIK.

    The answer is the same 202 whether or not the phone is already registered (no account id is returned):
    a new account is `pending` and a 6-digit code goes to the phone by SMS (or WhatsApp with
    `"channel": "whatsapp"`), valid 5 minutes; confirm it with `POST /accounts/verify-phone`. If the phone
    is registered, its owner gets a notice instead. The e-mail and NIK are claimed once the phone is
    verified (the e-mail then gets its own code; a NIK gives assurance level 1, or a review case if another
    account holds it)."""
    await registration.register(session, tools, body)
    return Accepted(message=REGISTERED.pick(request_language(tools.request)))


@router.post(
    "/verify-phone",
    response_model=Activated,
    responses=_INVALID_CODE,
    summary="Verify the phone and activate",
)
async def verify_phone(body: PhoneVerification, session: AccountSessionDep, tools: ToolsDep) -> Activated:
    """Activate a pending account with the code sent to its phone (assurance level 0: contact verified).
    Five wrong tries kill a code; ask for another with `POST /accounts/resend-code`."""
    await registration.verify_phone(session, tools, phone=body.phone, code=body.code)
    return Activated(message=ACTIVATED.pick(request_language(tools.request)))


@router.post(
    "/resend-code",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=_LIMITED,
    summary="Send a new verification code",
)
async def resend_code(body: CodeResend, session: AccountSessionDep, tools: ToolsDep) -> Accepted:
    """Send a new code to a number whose registration waits for verification; the previous code stops
    working. The same 202 for any other number. At most 3 codes an hour per number."""
    await registration.resend(session, tools, phone=body.phone, channel=body.channel)
    return Accepted(message=RESENT.pick(request_language(tools.request)))


@router.post(
    "/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=_LIMITED,
    summary="Ask for a password reset code",
)
async def request_password_reset(
    body: PasswordResetRequest, session: AccountSessionDep, tools: ToolsDep
) -> Accepted:
    """Send a reset code to a phone (SMS or WhatsApp) or to a verified e-mail address of an account. The same
    202 whether or not an account uses it. At most 3 codes an hour per number or address."""
    await recovery.request_reset(session, tools, body)
    return Accepted(message=RESET_SENT.pick(request_language(tools.request)))


@router.post(
    "/password-reset/confirm",
    response_model=Accepted,
    responses={**_INVALID_CODE, **_POLICY},
    summary="Set a new password with a reset code",
)
async def confirm_password_reset(
    body: PasswordResetConfirm, session: AccountSessionDep, tools: ToolsDep
) -> Accepted:
    """Set a new password with the code that was sent, for the same phone or e-mail. If the account has
    two-step verification, also send `otp` (the authenticator's current code) or a `recovery_code`: a reset
    never bypasses it. Every sign-in of the account ends; a pending account becomes active."""
    await recovery.confirm_reset(session, tools, body)
    return Accepted(message=RESET_DONE.pick(request_language(tools.request)))

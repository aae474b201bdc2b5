"""`/identity/v1/me`: the signed-in person (a citizen or staff token; the subject is the account)."""

from typing import Any

from fastapi import APIRouter, Response, status

from siantar_identity.account import profile
from siantar_identity.account.dependencies import AccountSessionDep, MeDep, ToolsDep
from siantar_identity.account.schemas import (
    Accepted,
    CodeConfirm,
    EmailChange,
    EmailChangeConfirm,
    MeRead,
    MeUpdate,
    PasswordChange,
    PersonalData,
    PhoneChange,
    PhoneChangeConfirm,
)
from siantar_shared.errors import request_language
from siantar_shared.i18n import Text

Responses = dict[int | str, dict[str, Any]]
router = APIRouter(prefix="/me", tags=["me"])
NO_STORE = "no-store"

CHANGE_SENT = Text(
    "Jika kontak ini dapat dipakai, kode telah dikirim ke sana. Kontak baru berlaku setelah kode dikonfirmasi.",
    "If this contact can be used, a code has been sent to it. It replaces the old one once the code is confirmed.",
)
CHANGED = Text("Perubahan tersimpan; sesi lain diakhiri.", "Saved; your other sessions were ended.")
CODE_SENT = Text(
    "Kode verifikasi telah dikirim ke alamat surel Anda.", "A verification code was sent to your e-mail."
)
VERIFIED = Text("Alamat surel terverifikasi.", "E-mail address verified.")
_REAUTH: Responses = {
    401: {"description": "Token missing or invalid, or wrong current password (`wrong-password`)"}
}
_CODE: Responses = {400: {"description": "Wrong, expired or used code"}}


def _say(text: Text, tools: ToolsDep) -> Accepted:
    return Accepted(message=text.pick(request_language(tools.request)))


@router.get("", response_model=MeRead, summary="Who I am")
async def read_me(me: MeDep, response: Response) -> MeRead:
    """Your account: kind, name, language, masked phone, e-mail and NIK with their verification times,
    assurance level and method, roles, agency, and whether two-step verification is on."""
    response.headers["Cache-Control"] = NO_STORE
    return profile.to_read(me.account)


@router.patch("", response_model=MeRead, summary="Change my name or language")
async def update_me(body: MeUpdate, me: MeDep, session: AccountSessionDep, tools: ToolsDep) -> MeRead:
    """Change your full name or the language of messages (`id` or `en`); audited."""
    return profile.to_read(await profile.update(session, tools, me, body))


@router.post("/password", response_model=Accepted, responses=_REAUTH, summary="Change my password")
async def change_password(
    body: PasswordChange, me: MeDep, session: AccountSessionDep, tools: ToolsDep
) -> Accepted:
    """Set a new password (the policy applies; 422 lists every broken rule) with your current one; your
    other sessions end. Wrong current passwords are throttled like sign-in."""
    await profile.change_password(session, tools, me, body)
    return _say(CHANGED, tools)


@router.post(
    "/phone",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=_REAUTH,
    summary="Change my phone: send a code to the new number",
)
async def request_phone_change(
    body: PhoneChange, me: MeDep, session: AccountSessionDep, tools: ToolsDep
) -> Accepted:
    """With your current password, send a code to the new number; the same answer whether or not the number
    can be used. Confirm with `POST /me/phone/confirm`."""
    await profile.request_phone_change(session, tools, me, body)
    return _say(CHANGE_SENT, tools)


@router.post("/phone/confirm", response_model=MeRead, responses=_CODE, summary="Confirm my new phone")
async def confirm_phone_change(
    body: PhoneChangeConfirm, me: MeDep, session: AccountSessionDep, tools: ToolsDep
) -> MeRead:
    """The new number and the code sent to it: the number replaces the old one (which is told), and your
    other sessions end."""
    await profile.confirm_phone_change(session, tools, me, body)
    return profile.to_read(me.account)


@router.post(
    "/email",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses=_REAUTH,
    summary="Change my e-mail: send a code to the new address",
)
async def request_email_change(
    body: EmailChange, me: MeDep, session: AccountSessionDep, tools: ToolsDep
) -> Accepted:
    """With your current password, send a code to the new address; the same answer whether or not it can
    be used. Confirm with `POST /me/email/confirm`."""
    await profile.request_email_change(session, tools, me, body)
    return _say(CHANGE_SENT, tools)


@router.post("/email/confirm", response_model=MeRead, responses=_CODE, summary="Confirm my new e-mail")
async def confirm_email_change(
    body: EmailChangeConfirm, me: MeDep, session: AccountSessionDep, tools: ToolsDep
) -> MeRead:
    """The new address and the code sent to it: it replaces the old one (which is told, if it was verified),
    and your other sessions end."""
    await profile.confirm_email_change(session, tools, me, body)
    return profile.to_read(me.account)


@router.post(
    "/email/verify",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={409: {"description": "No e-mail address, or already verified"}},
    summary="Send a code to verify my e-mail",
)
async def request_email_verification(me: MeDep, session: AccountSessionDep, tools: ToolsDep) -> Accepted:
    """Send a code to your (not yet verified) e-mail address; confirm with `POST /me/email/verify/confirm`."""
    await profile.request_email_verification(session, tools, me)
    return _say(CODE_SENT, tools)


@router.post("/email/verify/confirm", response_model=Accepted, responses=_CODE, summary="Verify my e-mail")
async def confirm_email_verification(
    body: CodeConfirm, me: MeDep, session: AccountSessionDep, tools: ToolsDep
) -> Accepted:
    """The code sent to your e-mail address: the address is verified (and can then be used for password
    resets)."""
    await profile.confirm_email_verification(session, tools, me, body.code)
    return _say(VERIFIED, tools)


@router.get("/personal-data", response_model=PersonalData, summary="My personal data, unmasked")
async def read_personal_data(
    me: MeDep, session: AccountSessionDep, tools: ToolsDep, response: Response
) -> PersonalData:
    """Your phone, e-mail and NIK in full. Shown only to you; each read is written to the access log
    (`pii.read`, purpose `self_service`) and the answer is never cached."""
    response.headers["Cache-Control"] = NO_STORE
    return await profile.personal_data(session, tools, me)

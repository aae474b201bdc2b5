"""Two-step verification (TOTP) of the signed-in person: `/identity/v1/me/mfa/...`."""

from fastapi import APIRouter, Depends, Response, status

from siantar_identity.clock import ClockDep
from siantar_identity.mfa import enrolment
from siantar_identity.mfa.dependencies import CallerDep, MfaSessionDep, refuse_idempotency_key
from siantar_identity.mfa.schemas import (
    MfaStatus,
    RecoveryCodes,
    RecoveryCodesRegenerate,
    TotpConfirm,
    TotpEnrolment,
    TotpEnrolmentStart,
    TotpRemove,
)
from siantar_identity.security.context import CryptoDep

router = APIRouter(prefix="/me/mfa", tags=["two-step verification"])
NO_STORE = "no-store"
SHOWN_ONCE = [Depends(refuse_idempotency_key)]  # no Idempotency-Key: secrets are never stored


@router.get("", response_model=MfaStatus, summary="Two-step verification status")
async def get_status(caller: CallerDep, session: MfaSessionDep) -> MfaStatus:
    """Whether an authenticator is enabled or pending, how many recovery codes are left, and whether
    two-step verification is mandatory for this account (it is for every staff role)."""
    return await enrolment.status(session, caller)


@router.post(
    "/totp",
    response_model=TotpEnrolment,
    status_code=status.HTTP_201_CREATED,
    summary="Start TOTP enrolment",
    dependencies=SHOWN_ONCE,
)
async def start_enrolment(
    body: TotpEnrolmentStart,
    caller: CallerDep,
    session: MfaSessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    response: Response,
) -> TotpEnrolment:
    """Create a new authenticator secret, not yet active: it is shown once, here. Add it to an authenticator
    app, then confirm it with a code (`POST /me/mfa/totp/confirm`). Needs a sign-in of the last 5 minutes
    or the current password. 409 if an authenticator is already enabled."""
    response.headers["Cache-Control"] = NO_STORE
    return await enrolment.start(session, crypto, caller, password=body.password, at=clock.now())


@router.post(
    "/totp/confirm",
    response_model=RecoveryCodes,
    summary="Confirm the authenticator",
    dependencies=SHOWN_ONCE,
)
async def confirm_enrolment(
    body: TotpConfirm,
    caller: CallerDep,
    session: MfaSessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    response: Response,
) -> RecoveryCodes:
    """Turn two-step verification on with the code the app shows now. Answers the ten recovery codes, once;
    every other sign-in of this account ends. A wrong or replayed code is 422 and is throttled."""
    response.headers["Cache-Control"] = NO_STORE
    return await enrolment.confirm(session, crypto, caller, code=body.code, at=clock.now())


@router.post(
    "/recovery-codes",
    response_model=RecoveryCodes,
    summary="Regenerate recovery codes",
    dependencies=SHOWN_ONCE,
)
async def regenerate_recovery_codes(
    body: RecoveryCodesRegenerate,
    caller: CallerDep,
    session: MfaSessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    response: Response,
) -> RecoveryCodes:
    """Replace the recovery codes with ten new ones (the old ones stop working). Needs a current
    authenticator code, and a sign-in of the last 5 minutes or the current password."""
    response.headers["Cache-Control"] = NO_STORE
    return await enrolment.regenerate_recovery_codes(
        session, crypto, caller, code=body.code, password=body.password, at=clock.now()
    )


@router.delete("/totp", status_code=status.HTTP_204_NO_CONTENT, summary="Turn two-step verification off")
async def remove_totp(
    body: TotpRemove, caller: CallerDep, session: MfaSessionDep, crypto: CryptoDep, clock: ClockDep
) -> None:
    """Citizens only: remove the authenticator and the recovery codes, with a current code (or a recovery
    code if the authenticator is lost), and a sign-in of the last 5 minutes or the current password. Staff
    cannot (403): two-step verification is mandatory for them, and an administrator resets a lost one."""
    await enrolment.remove(
        session,
        crypto,
        caller,
        code=body.code,
        recovery_code=body.recovery_code,
        password=body.password,
        at=clock.now(),
    )

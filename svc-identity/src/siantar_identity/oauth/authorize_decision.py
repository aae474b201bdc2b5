"""What the page's form decides: refused (`access_denied`), signed in and allowed (a code), or shown again
with the reason (missing fields, a failed or throttled sign-in, an account this app may not act for)."""

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.authentication import authenticate
from siantar_identity.config import Settings
from siantar_identity.oauth import authorize_service as service
from siantar_identity.oauth.authorize_schemas import AuthorizeForm, ValidatedRequest
from siantar_identity.oauth.authorize_texts import TEXTS
from siantar_shared.errors import AppError
from siantar_shared.i18n import Text

MAX_IDENTIFIER = 320
MAX_PASSWORD = 1024  # far above any passphrase; bounds the Argon2 work one request can cause


@dataclass(frozen=True)
class ShowAgain:
    """The page again (with a new CSRF token), saying why."""

    error: Text
    status_code: int
    identifier: str = ""
    headers: dict[str, str] | None = None


async def decide(
    session: AsyncSession,
    request: Request,
    validated: ValidatedRequest,
    form: AuthorizeForm,
    *,
    settings: Settings,
) -> str | ShowAgain:
    """Where to send the browser (the app's redirect URI with a code or an error), or `ShowAgain`."""
    if form.decision == "deny":
        return await service.deny(session, validated, issuer=settings.issuer, request=request)
    identifier = (form.identifier or "").strip()[:MAX_IDENTIFIER]
    if form.decision != "allow":
        return ShowAgain(TEXTS["unknown_decision"], 400, identifier)
    password = form.password or ""
    if not identifier or not password or len(password) > MAX_PASSWORD:
        return ShowAgain(TEXTS["missing_credentials"], 400, identifier)
    try:
        sign_in = await authenticate(
            session,
            request,
            identifier=identifier,
            password=password,
            otp=(form.otp or "").strip() or None,
            recovery_code=(form.recovery_code or "").strip() or None,
            client_id=validated.client.client_id,
        )
    except AppError as exc:  # wrong credentials, throttled (429), not activated, staff without a factor
        return ShowAgain(_reason(exc), exc.status, identifier, _retry_after(exc))
    if not service.may_act_for(validated.client, sign_in.account):
        await service.refuse_account(session, validated, sign_in.account, request=request)
        return ShowAgain(TEXTS["account_not_allowed"], 403)
    return await service.grant(
        session,
        validated,
        account=sign_in.account,
        amr=list(sign_in.amr),
        at=sign_in.auth_time,
        ttl=settings.AUTHORIZATION_CODE_TTL,
        issuer=settings.issuer,
        request=request,
    )


def _reason(error: AppError) -> Text:
    return error.detail if isinstance(error.detail, Text) else error.title


def _retry_after(error: AppError) -> dict[str, str] | None:
    value = (error.headers or {}).get("Retry-After")
    return {"Retry-After": value} if value else None

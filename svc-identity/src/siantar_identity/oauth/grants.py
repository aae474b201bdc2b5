"""The grant types of the token endpoint, each checked against what the client is registered for.

- `password`: only the city's own apps (`first_party`), the documented exception to ASVS 10.4.4, behind
  the sign-in throttle; staff add the TOTP code in `otp` (or a recovery code in `recovery_code`).
- `refresh_token`: rotation with reuse detection (`oauth.refresh`).
- `client_credentials`: confidential clients acting for themselves (platform services, partner systems).
- `authorization_code`: third-party apps acting for a citizen, with PKCE (`oauth.authorize_service`).
"""

from collections.abc import Awaitable, Callable

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.authentication import (
    AccountNotActivated,
    InvalidCredentials,
    SecondFactorEnrolmentRequired,
    authenticate,
)
from siantar_identity.audit.service import record
from siantar_identity.client.models import ApiClient, ClientKind
from siantar_identity.oauth.authorize_service import exchange_code, may_act_for
from siantar_identity.oauth.exceptions import (
    InvalidGrant,
    InvalidRequest,
    SlowDown,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from siantar_identity.oauth.issuance import grant_scope, issue_tokens, mint_client_token
from siantar_identity.oauth.refresh import refresh_tokens
from siantar_identity.oauth.schemas import TokenForm, TokenResponse
from siantar_identity.throttle.exceptions import SignInThrottled
from siantar_shared.errors import AppError
from siantar_shared.i18n import Text

MAX_IDENTIFIER_LENGTH = 320
MAX_PASSWORD_LENGTH = 1024  # far above any passphrase; bounds the Argon2 work a request can ask for
WRONG_APP = Text(
    "Akun ini tidak dapat dipakai di aplikasi ini (akun petugas memakai aplikasi petugas, warga aplikasi warga)",
    "This account cannot be used in this app (staff accounts use the staff app, citizens the citizen app)",
)
Grant = Callable[[AsyncSession, Request, ApiClient, TokenForm], Awaitable[TokenResponse]]


def _missing(*names: str) -> InvalidRequest:
    listed = ", ".join(names)
    return InvalidRequest(Text(f"Parameter wajib: {listed}", f"Required parameters: {listed}"))


def _description(error: AppError) -> Text:
    detail = error.detail
    return (
        detail
        if isinstance(detail, Text)
        else Text(str(detail or error.title.id), str(detail or error.title.en))
    )


async def password_grant(
    session: AsyncSession, request: Request, client: ApiClient, form: TokenForm
) -> TokenResponse:
    if not client.first_party:
        raise UnauthorizedClient(
            Text(
                "Grant password hanya untuk aplikasi milik Pemko; gunakan authorization_code dengan PKCE",
                "The password grant is only for the city's own apps; use authorization_code with PKCE",
            )
        )
    if not form.username or form.password is None:
        raise _missing("username", "password")
    if len(form.username) > MAX_IDENTIFIER_LENGTH or len(form.password) > MAX_PASSWORD_LENGTH:
        raise InvalidRequest(
            Text("Nama pengguna atau kata sandi terlalu panjang", "Username or password too long")
        )
    scope = grant_scope(form.scope, client.scopes)
    try:
        sign_in = await authenticate(
            session,
            request,
            identifier=form.username,
            password=form.password,
            otp=form.otp,
            recovery_code=form.recovery_code,
            client_id=client.client_id,
        )
    except SignInThrottled as error:
        raise SlowDown(_description(error), retry_after=error.retry_after) from error
    except (InvalidCredentials, AccountNotActivated, SecondFactorEnrolmentRequired) as error:
        raise InvalidGrant(_description(error)) from error
    if not may_act_for(client, sign_in.account):
        await record(
            session, "oauth.account_not_allowed", request=request, actor_id=sign_in.account.id,
            subject_id=sign_in.account.id, client_id=client.client_id, outcome="failure",
        )  # fmt: skip
        raise InvalidGrant(WRONG_APP)
    return await issue_tokens(
        session,
        request.state,
        account=sign_in.account,
        client=client,
        scope=scope,
        amr=sign_in.amr,
        auth_time=sign_in.auth_time,
    )


async def refresh_grant(
    session: AsyncSession, request: Request, client: ApiClient, form: TokenForm
) -> TokenResponse:
    if not form.refresh_token:
        raise _missing("refresh_token")
    return await refresh_tokens(
        session, request, client=client, refresh_token=form.refresh_token, scope=form.scope
    )


async def client_credentials_grant(
    session: AsyncSession, request: Request, client: ApiClient, form: TokenForm
) -> TokenResponse:
    if client.kind != ClientKind.confidential:
        raise UnauthorizedClient(
            Text(
                "Hanya klien rahasia yang boleh memakai grant ini",
                "Only confidential clients may use this grant",
            )
        )
    scope = grant_scope(form.scope, client.scopes)
    tokens = await mint_client_token(session, request.state, client=client, scope=scope)
    await record(
        session,
        "oauth.client_credentials",
        request=request,
        actor_id=client.id,
        actor_kind="client",
        client_id=client.client_id,
        scope=scope,
    )
    return tokens


async def authorization_code_grant(
    session: AsyncSession, request: Request, client: ApiClient, form: TokenForm
) -> TokenResponse:
    if not (form.code and form.redirect_uri and form.code_verifier):
        raise _missing("code", "redirect_uri", "code_verifier")
    return await exchange_code(
        session,
        request.state,
        client=client,
        code=form.code,
        redirect_uri=form.redirect_uri,
        code_verifier=form.code_verifier,
    )


GRANTS: dict[str, Grant] = {
    "password": password_grant,
    "refresh_token": refresh_grant,
    "client_credentials": client_credentials_grant,
    "authorization_code": authorization_code_grant,
}


async def grant(session: AsyncSession, request: Request, client: ApiClient, form: TokenForm) -> TokenResponse:
    """Run the requested grant if the client is registered for it."""
    if not form.grant_type:
        raise _missing("grant_type")
    handler = GRANTS.get(form.grant_type)
    if handler is None:
        raise UnsupportedGrantType(
            Text(
                "Jenis grant tidak didukung; lihat grant_types_supported di openid-configuration",
                "Unsupported grant type; see grant_types_supported in the openid-configuration",
            )
        )
    if form.grant_type not in client.grant_types:
        raise UnauthorizedClient(
            Text(
                "Klien ini tidak terdaftar untuk grant ini",
                "This client is not registered for this grant type",
            )
        )
    return await handler(session, request, client, form)

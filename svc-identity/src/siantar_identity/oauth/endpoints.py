"""The OAuth 2 endpoints under /identity/v1/oauth: token (RFC 6749), revocation (RFC 7009) and logout.

They take `application/x-www-form-urlencoded` forms and answer errors in OAuth's own shape (see
`oauth.exceptions`), with `Cache-Control: no-store`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import JSONResponse

from siantar_identity.clock import ClockDep
from siantar_identity.oauth.client_auth import authenticate_client
from siantar_identity.oauth.exceptions import NO_STORE, InvalidRequest, OAuthError
from siantar_identity.oauth.grants import grant
from siantar_identity.oauth.revocation import logout, revoke_token
from siantar_identity.oauth.schemas import LogoutForm, OAuthErrorBody, RevokeForm, TokenForm, TokenResponse
from siantar_shared.db import SessionDep
from siantar_shared.i18n import Text

router = APIRouter(prefix="/oauth", tags=["oauth"])

OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorBody, "description": "invalid_request, invalid_grant, unauthorized_client, …"},
    401: {"model": OAuthErrorBody, "description": "invalid_client: client authentication failed"},
    429: {"model": OAuthErrorBody, "description": "slow_down: too many failed sign-ins; see Retry-After"},
}


async def _check_form(request: Request) -> None:
    """RFC 6749 §3.2: no parameter twice. And no `Idempotency-Key`: token answers must never be stored."""
    names = [name for name, _ in (await request.form()).multi_items()]
    if len(names) != len(set(names)):
        raise InvalidRequest(Text("Parameter tidak boleh diulang", "Parameters must not be repeated"))
    if "idempotency-key" in request.headers:
        raise InvalidRequest(
            Text(
                "Idempotency-Key tidak didukung di sini: jawaban token tidak pernah disimpan",
                "Idempotency-Key is not supported here: token answers are never stored",
            )
        )


@router.post("/token", response_model=TokenResponse, responses=OAUTH_ERRORS, summary="Get tokens")
async def token(request: Request, session: SessionDep, form: Annotated[TokenForm, Form()]) -> Response:
    """Exchange a grant for an access token (a JWT, RFC 9068) and, where the client may refresh, a refresh
    token (opaque, single-use: each refresh returns a new one; reusing an old one ends the session).

    Grants: `password` (the city's own apps only; staff add their authenticator code in `otp`),
    `refresh_token`, `client_credentials` (confidential clients, HTTP Basic or `client_secret`) and
    `authorization_code` (with PKCE). Failed sign-ins are throttled: 429 `slow_down` with `Retry-After`.
    """
    try:
        await _check_form(request)
        client = await authenticate_client(
            session, request, client_id=form.client_id, client_secret=form.client_secret
        )
        tokens = await grant(session, request, client, form)
    except OAuthError as error:
        return error.response(request)
    return JSONResponse(tokens.model_dump(exclude_none=True), headers=NO_STORE)


@router.post("/revoke", status_code=200, responses=OAUTH_ERRORS, summary="Revoke a token")
async def revoke(
    request: Request, session: SessionDep, clock: ClockDep, form: Annotated[RevokeForm, Form()]
) -> Response:
    """Revoke a refresh token, or the sign-in an access token belongs to (RFC 7009): the session it came
    from ends, and none of its refresh tokens works any more. Answers 200 also for unknown, expired or
    other clients' tokens. Confidential clients authenticate; public clients send their `client_id`."""
    try:
        client = await authenticate_client(
            session, request, client_id=form.client_id, client_secret=form.client_secret
        )
        if not form.token:
            raise InvalidRequest(Text("Parameter wajib: token", "Required parameter: token"))
        await revoke_token(
            session, request, client=client, token=form.token, reason="revoked", at=clock.now()
        )
    except OAuthError as error:
        return error.response(request)
    return Response(status_code=200, headers=NO_STORE)


@router.post("/logout", status_code=204, responses=OAUTH_ERRORS, summary="Sign out")
async def sign_out(
    request: Request, session: SessionDep, clock: ClockDep, form: Annotated[LogoutForm, Form()]
) -> Response:
    """Sign out: end the session of `refresh_token` (every refresh token of that sign-in stops working;
    the current access token expires within minutes). 204 also when the token is unknown or already
    ended, so that signing out twice is harmless."""
    try:
        client = await authenticate_client(
            session, request, client_id=form.client_id, client_secret=form.client_secret
        )
        if not form.refresh_token:
            raise InvalidRequest(Text("Parameter wajib: refresh_token", "Required parameter: refresh_token"))
        await logout(session, request, client=client, refresh_token=form.refresh_token, at=clock.now())
    except OAuthError as error:
        return error.response(request)
    return Response(status_code=204, headers=NO_STORE)

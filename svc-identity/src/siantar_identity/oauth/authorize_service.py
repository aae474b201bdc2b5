"""The authorization-code flow with PKCE S256 (RFC 6749 §4.1, RFC 7636, RFC 9700), for apps acting for a person.

1. `validate`: the client, then the EXACT redirect URI (string equality with a registered one), then the rest;
   until the redirect URI is trusted every error is an error page, after it an error redirect to the app.
2. `begin`: the validated request is stored, named by a single-use CSRF token (hashed) and bound to the
   browser by a cookie (hashed); the page carries only the token.
3. `open_form`: the form comes back; its token is claimed once (unknown, used, expired or from another
   browser: error page). The endpoint then signs the person in (`account.authentication.authenticate`).
4. `grant` / `deny`: a code (random, hashed, single use, `AUTHORIZATION_CODE_TTL`) bound to the client, the
   redirect URI, the code challenge and the account; or `error=access_denied`.
5. `exchange_code` (the token endpoint's `authorization_code` grant, in `authorize_exchange`, imported from
   here by the token endpoint): every binding checked, tokens issued; a code presented twice revokes the
   sign-in its first exchange started (RFC 6749 §4.1.2).
"""

from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.audit.service import record
from siantar_identity.oauth import authorize_repository as repository
from siantar_identity.oauth.authorize_checks import (
    GRANT_TYPE,
    MAX_NONCE,
    MAX_STATE,
    choose_language,
    may_act_for,
    safe_redirect_uri,
    valid_challenge,
    with_parameters,
)
from siantar_identity.oauth.authorize_exceptions import AuthorizeRedirectError, UnsafeAuthorizeRequest
from siantar_identity.oauth.authorize_exchange import exchange_code
from siantar_identity.oauth.authorize_models import AuthorizationRequest
from siantar_identity.oauth.authorize_schemas import AuthorizeQuery, ValidatedRequest
from siantar_identity.oauth.authorize_texts import TEXTS
from siantar_identity.oauth.models import AuthorizationCode
from siantar_identity.security.secrets import new_token, same, token_hash
from siantar_shared.i18n import Language

__all__ = [
    "begin",
    "deny",
    "error_redirect",
    "exchange_code",
    "grant",
    "may_act_for",
    "open_form",
    "validate",
]
REQUEST_TTL = timedelta(minutes=10)  # how long the sign-in page may stay open
SINGLE_VALUED = frozenset(
    {
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
        "nonce",
    }
)


async def validate(
    session: AsyncSession, query: AuthorizeQuery, *, repeated: set[str], accept_language: str | None
) -> ValidatedRequest:
    """Check an authorization request in the order RFC 6749 §4.1.2.1 demands (see the module docstring)."""
    language = choose_language(query.ui_locales, accept_language)
    if repeated & {"client_id", "redirect_uri"}:
        raise UnsafeAuthorizeRequest(TEXTS["repeated_parameter"])
    client_id = query.client_id or ""
    client = await repository.get_active_client(session, client_id) if 0 < len(client_id) <= 64 else None
    if client is None:
        raise UnsafeAuthorizeRequest(TEXTS["unknown_client"])
    redirect_uri = query.redirect_uri
    if (
        redirect_uri is None
        or redirect_uri not in client.redirect_uris
        or not safe_redirect_uri(redirect_uri)
    ):
        raise UnsafeAuthorizeRequest(TEXTS["unknown_redirect_uri"])
    state = None if "state" in repeated or len(query.state or "") > MAX_STATE else query.state

    def fail(error: str, description: str) -> AuthorizeRedirectError:
        return AuthorizeRedirectError(error, description, redirect_uri=redirect_uri, state=state)

    if repeated & SINGLE_VALUED:
        raise fail("invalid_request", f"repeated parameter: {', '.join(sorted(repeated & SINGLE_VALUED))}")
    if query.state is not None and state is None:
        raise fail("invalid_request", f"state longer than {MAX_STATE} characters")
    if GRANT_TYPE not in client.grant_types:
        raise fail("unauthorized_client", "this client may not use the authorization code grant")
    if query.response_type != "code":
        error = "invalid_request" if query.response_type is None else "unsupported_response_type"
        raise fail(error, "response_type must be code")
    if query.code_challenge_method != "S256" or not valid_challenge(query.code_challenge):
        raise fail("invalid_request", "PKCE is required: code_challenge (43 characters) with method S256")
    if query.nonce is not None and len(query.nonce) > MAX_NONCE:
        raise fail("invalid_request", f"nonce longer than {MAX_NONCE} characters")
    scopes = tuple(dict.fromkeys((query.scope or "").split()))
    if not scopes or not set(scopes) <= set(client.scopes):
        raise fail("invalid_scope", "scope must name one or more of the scopes this client is allowed")
    if "none" in (query.prompt or "").split():
        raise fail("login_required", "this server always asks the person to sign in")
    assert query.code_challenge is not None  # checked by valid_challenge
    return ValidatedRequest(client, redirect_uri, scopes, state, query.code_challenge, query.nonce, language)


async def begin(session: AsyncSession, validated: ValidatedRequest, *, browser: str, at: datetime) -> str:
    """Store the validated request; returns the CSRF token that names it (the page's hidden field)."""
    csrf_token = new_token()
    session.add(
        AuthorizationRequest(
            csrf_hash=token_hash(csrf_token),
            browser_hash=token_hash(browser),
            client_id=validated.client.client_id,
            redirect_uri=validated.redirect_uri,
            scope=validated.scope,
            state=validated.state,
            code_challenge=validated.code_challenge,
            nonce=validated.nonce,
            language=validated.language,
            expires_at=at + REQUEST_TTL,
        )
    )
    await session.flush()
    return csrf_token


async def open_form(
    session: AsyncSession, csrf_token: str | None, *, browser: str | None, at: datetime
) -> ValidatedRequest:
    """The request a submitted form answers. Its CSRF token is claimed (single use); a missing, unknown, used
    or expired token, or one from another browser, is an error page. The client is checked again (it may have
    been revoked while the page was open)."""
    pending = await repository.get_request_by_csrf(session, token_hash(csrf_token)) if csrf_token else None
    if pending is None or browser is None or not same(pending.browser_hash, token_hash(browser)):
        raise UnsafeAuthorizeRequest(TEXTS["form_invalid"])
    if pending.used_at is not None or pending.expires_at <= at:
        raise UnsafeAuthorizeRequest(TEXTS["form_expired"])
    if not await repository.claim_request(session, pending.id, at):
        raise UnsafeAuthorizeRequest(TEXTS["form_expired"])
    client = await repository.get_active_client(session, pending.client_id)
    if (
        client is None
        or pending.redirect_uri not in client.redirect_uris
        or GRANT_TYPE not in client.grant_types
    ):
        raise UnsafeAuthorizeRequest(TEXTS["unknown_client"])
    language_of_request: Language = "en" if pending.language == "en" else "id"
    return ValidatedRequest(
        client,
        pending.redirect_uri,
        tuple(pending.scope.split()),
        pending.state,
        pending.code_challenge,
        pending.nonce,
        language_of_request,
    )


async def grant(
    session: AsyncSession,
    validated: ValidatedRequest,
    *,
    account: Account,
    amr: list[str],
    at: datetime,
    ttl: timedelta,
    issuer: str,
    request: Request | None = None,
) -> str:
    """Issue a code for a signed-in, consenting person; returns where to send the browser."""
    code = new_token()
    session.add(
        AuthorizationCode(
            code_hash=token_hash(code),
            client_id=validated.client.client_id,
            account_id=account.id,
            redirect_uri=validated.redirect_uri,
            scope=validated.scope,
            code_challenge=validated.code_challenge,
            nonce=validated.nonce,
            acr=account.assurance_level,
            amr=list(amr),
            auth_time=at,
            expires_at=at + ttl,
        )
    )
    await session.flush()
    await record(
        session,
        "oauth.authorize",
        request=request,
        actor_id=account.id,
        subject_id=account.id,
        client_id=validated.client.client_id,
        scope=validated.scope,
    )
    return with_parameters(validated.redirect_uri, {"code": code, "state": validated.state, "iss": issuer})


async def deny(
    session: AsyncSession, validated: ValidatedRequest, *, issuer: str, request: Request | None = None
) -> str:
    """The person refused: the app hears `access_denied` (audited without an account: none signed in)."""
    await record(
        session,
        "oauth.authorize",
        request=request,
        client_id=validated.client.client_id,
        outcome="denied",
        scope=validated.scope,
    )
    return error_redirect(
        AuthorizeRedirectError(
            "access_denied", "the person refused", redirect_uri=validated.redirect_uri, state=validated.state
        ),
        issuer=issuer,
    )


def error_redirect(error: AuthorizeRedirectError, *, issuer: str) -> str:
    parameters = {"error": error.error, "error_description": error.description, "state": error.state}
    return with_parameters(error.redirect_uri, {**parameters, "iss": issuer})


async def refuse_account(
    session: AsyncSession, validated: ValidatedRequest, account: Account, *, request: Request | None = None
) -> None:
    """A person signed in whom this app may not act for (staff through a citizens' app): audited."""
    await record(
        session,
        "oauth.authorize",
        request=request,
        actor_id=account.id,
        subject_id=account.id,
        client_id=validated.client.client_id,
        outcome="failure",
        reason="account_not_allowed",
    )

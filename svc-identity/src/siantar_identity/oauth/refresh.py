"""The refresh_token grant: rotation on every use, and reuse detection (ASVS 10.4.5).

A refresh token is used once: redeeming it marks it used (atomically, so two concurrent redemptions cannot
both win) and issues a new one in the same family. Presenting a used token again means that two parties
hold the family's tokens, one of them not its owner: the whole family is revoked, audited, and both must
sign in again.
"""

from datetime import datetime
from typing import NoReturn

from fastapi import Request
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountStatus
from siantar_identity.client.models import ApiClient
from siantar_identity.oauth.exceptions import InvalidGrant
from siantar_identity.oauth.issuance import OPENID_SCOPE, grant_scope, issue_tokens, mint_id_token
from siantar_identity.oauth.models import RefreshToken, TokenFamily
from siantar_identity.oauth.revocation import find_refresh_token, revoke_family
from siantar_identity.oauth.schemas import TokenResponse
from siantar_shared.i18n import Text
from siantar_shared.idempotency import rowcount

UNKNOWN = Text("Refresh token tidak dikenal", "Unknown refresh token")
REVOKED = Text("Sesi ini sudah diakhiri; silakan masuk lagi", "This session has ended; please sign in again")
REUSED = Text(
    "Refresh token ini sudah pernah dipakai; demi keamanan sesi diakhiri, silakan masuk lagi",
    "This refresh token was already used; the session has been ended for safety, please sign in again",
)
EXPIRED = Text("Sesi sudah kedaluwarsa; silakan masuk lagi", "The session has expired; please sign in again")


async def refresh_tokens(
    session: AsyncSession, request: Request, *, client: ApiClient, refresh_token: str, scope: str | None
) -> TokenResponse:
    """New tokens for a valid refresh token of `client`; `InvalidGrant` otherwise. `scope` may narrow the
    access token's scope, never widen it (RFC 6749 §6). With `openid` still granted, a new ID token too."""
    at = request.state.clock.now()
    stored = await find_refresh_token(session, refresh_token)
    family = await session.get(TokenFamily, stored.family_id) if stored else None
    if stored is None or family is None or family.client_id != client.client_id:
        raise InvalidGrant(UNKNOWN)
    if family.revoked_at is not None:
        raise InvalidGrant(REVOKED)
    granted = grant_scope(scope, set(family.scope.split()) & set(client.scopes))  # a bad scope burns nothing
    if not await _mark_used(session, stored, at=at):
        await _end(session, request, family, "refresh_token_reuse", REUSED)
    if stored.expires_at <= at or family.absolute_expires_at <= at:
        raise InvalidGrant(EXPIRED)
    account = await session.get(Account, family.account_id)
    if account is None or account.status != AccountStatus.active:
        await _end(session, request, family, "account_inactive", REVOKED)
    tokens = await issue_tokens(
        session,
        request.state,
        account=account,
        client=client,
        scope=granted,
        amr=list(family.amr),
        auth_time=family.auth_time,
        family=family,
    )
    if OPENID_SCOPE in granted.split():  # OIDC Core §12.2: a new ID token for the same sign-in, no nonce
        tokens.id_token = await mint_id_token(
            session,
            request.state,
            account=account,
            client=client,
            access_token=tokens.access_token,
            amr=list(family.amr),
            auth_time=family.auth_time,
            nonce=None,
            family_id=family.id,
        )
    return tokens


async def _mark_used(session: AsyncSession, stored: RefreshToken, *, at: datetime) -> bool:
    """Mark the token used; False if it already was (by this request's rival, or long ago)."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == stored.id, RefreshToken.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def _end(
    session: AsyncSession, request: Request, family: TokenFamily, reason: str, message: Text
) -> NoReturn:
    """Revoke the family, commit (the error answer would roll it back), refuse."""
    await revoke_family(session, family, reason=reason, at=request.state.clock.now(), request=request)
    await session.commit()
    raise InvalidGrant(message)

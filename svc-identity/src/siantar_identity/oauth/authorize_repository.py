"""Every query of the authorization-code flow: clients, pending requests, codes."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client.models import ApiClient
from siantar_identity.oauth.authorize_models import AuthorizationRequest
from siantar_identity.oauth.models import AuthorizationCode, RefreshToken, TokenFamily
from siantar_shared.idempotency import rowcount


async def get_active_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    statement = select(ApiClient).where(ApiClient.client_id == client_id, ApiClient.revoked_at.is_(None))
    return (await session.execute(statement)).scalar_one_or_none()


async def get_request_by_csrf(session: AsyncSession, csrf_hash: str) -> AuthorizationRequest | None:
    statement = select(AuthorizationRequest).where(AuthorizationRequest.csrf_hash == csrf_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_request(session: AsyncSession, request_id: UUID, at: datetime) -> bool:
    """Mark a pending request used, once: a conditional UPDATE, so a token raced twice wins only once."""
    result = await session.execute(
        update(AuthorizationRequest)
        .where(AuthorizationRequest.id == request_id, AuthorizationRequest.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def get_code(session: AsyncSession, code_hash: str) -> AuthorizationCode | None:
    statement = select(AuthorizationCode).where(AuthorizationCode.code_hash == code_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def claim_code(session: AsyncSession, code_id: UUID, at: datetime) -> bool:
    """Mark a code used, once (single use even when two exchanges race)."""
    result = await session.execute(
        update(AuthorizationCode)
        .where(AuthorizationCode.id == code_id, AuthorizationCode.used_at.is_(None))
        .values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


async def family_of_refresh_token(session: AsyncSession, token_hash: str) -> UUID | None:
    statement = select(RefreshToken.family_id).where(RefreshToken.token_hash == token_hash)
    return (await session.execute(statement)).scalar_one_or_none()


async def revoke_family(session: AsyncSession, family_id: UUID, *, reason: str, at: datetime) -> int:
    result = await session.execute(
        update(TokenFamily)
        .where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=at, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def purge_expired(session: AsyncSession, before: datetime) -> int:
    """Delete pending requests and codes that expired before `before` (used or not): they prove nothing
    any more, and a reused code older than that is refused as unknown anyway."""
    requests = await session.execute(
        delete(AuthorizationRequest).where(AuthorizationRequest.expires_at < before)
    )
    codes = await session.execute(delete(AuthorizationCode).where(AuthorizationCode.expires_at < before))
    return rowcount(requests) + rowcount(codes)

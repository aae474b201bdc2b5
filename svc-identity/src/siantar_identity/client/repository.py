"""Every query on API clients, their API keys, and the token families issued to a client."""

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client.models import ApiClient, ApiKey
from siantar_identity.oauth.models import TokenFamily
from siantar_shared.idempotency import rowcount
from siantar_shared.pagination import CursorParams, SortKey, paginate

SORT_KEYS = (
    SortKey(ApiClient.created_at.expression, descending=True),
    SortKey(ApiClient.id.expression, descending=True),
)


async def get_by_client_id(session: AsyncSession, client_id: str) -> ApiClient | None:
    statement = select(ApiClient).where(ApiClient.client_id == client_id)
    return (await session.scalars(statement)).one_or_none()


async def list_clients(
    session: AsyncSession, params: CursorParams, *, include_revoked: bool
) -> tuple[list[ApiClient], str | None]:
    statement = select(ApiClient)
    if not include_revoked:
        statement = statement.where(ApiClient.revoked_at.is_(None))
    return await paginate(session, statement, params, SORT_KEYS)


async def revoke_client_families(session: AsyncSession, client_id: str, *, at: datetime) -> int:
    result = await session.execute(
        update(TokenFamily)
        .where(TokenFamily.client_id == client_id, TokenFamily.revoked_at.is_(None))
        .values(revoked_at=at, revoke_reason="client_revoked")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def keys_of(session: AsyncSession, client: ApiClient) -> Sequence[ApiKey]:
    statement = select(ApiKey).where(ApiKey.client_id == client.id).order_by(ApiKey.created_at, ApiKey.id)
    return (await session.scalars(statement)).all()


async def count_live_keys(session: AsyncSession, client: ApiClient) -> int:
    statement = select(func.count()).where(ApiKey.client_id == client.id, ApiKey.revoked_at.is_(None))
    return int((await session.execute(statement)).scalar_one())


async def get_key(session: AsyncSession, client: ApiClient, key_id: str) -> ApiKey | None:
    statement = select(ApiKey).where(ApiKey.client_id == client.id, ApiKey.key_id == key_id)
    return (await session.scalars(statement)).one_or_none()


async def key_with_client(session: AsyncSession, key_id: str) -> tuple[ApiKey, ApiClient] | None:
    statement = (
        select(ApiKey, ApiClient)
        .join(ApiClient, ApiKey.client_id == ApiClient.id)
        .where(ApiKey.key_id == key_id)
    )
    row = (await session.execute(statement)).one_or_none()
    return None if row is None else (row[0], row[1])


async def revoke_keys(session: AsyncSession, client: ApiClient, *, at: datetime) -> int:
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.client_id == client.id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=at)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


async def touch_key(session: AsyncSession, key_id: UUID, at: datetime) -> None:
    await session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id)
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )

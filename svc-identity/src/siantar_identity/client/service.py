"""Rules for API clients: registering them, rotating a confidential client's secret, revoking a client.

A secret is 256 random bits, shown once and stored only as a peppered HMAC (`Crypto.secret_hash`); the
token endpoint compares it in constant time (`oauth.client_auth`). Revoking a client ends its token
families and API keys at once; clients are never deleted (audit records name them).
"""

import secrets
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client import repository
from siantar_identity.client.exceptions import ClientIdTaken, ClientNotFound, ClientRevoked, NotConfidential
from siantar_identity.client.models import ApiClient, ClientKind, ClientProfile
from siantar_identity.client.schemas import ApiClientCreate, ApiClientRead
from siantar_identity.security.context import Crypto
from siantar_identity.security.secrets import new_token
from siantar_identity.staff.actor import Actor
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, Page


def new_client_id() -> str:
    return "app-" + secrets.token_hex(8)


def new_secret() -> str:
    return new_token(32)


async def get(session: AsyncSession, client_id: str) -> ApiClient:
    client = await repository.get_by_client_id(session, client_id)
    if client is None:
        raise ClientNotFound()
    return client


async def list_clients(
    session: AsyncSession, params: CursorParams, *, include_revoked: bool
) -> Page[ApiClientRead]:
    rows, cursor = await repository.list_clients(session, params, include_revoked=include_revoked)
    return Page(items=[ApiClientRead.model_validate(row) for row in rows], next_cursor=cursor)


async def create(
    session: AsyncSession,
    crypto: Crypto,
    data: ApiClientCreate,
    *,
    by: Actor,
    secret: str | None = None,
) -> tuple[ApiClient, str | None]:
    """Register a client; a confidential one gets a secret (`secret` lets the demo seed keep its own),
    returned here once and stored hashed."""
    client_id = data.client_id or new_client_id()
    if await repository.get_by_client_id(session, client_id) is not None:
        raise ClientIdTaken()
    if data.kind == ClientKind.confidential:
        secret = secret or new_secret()
    else:
        secret = None
    client = ApiClient(
        client_id=client_id,
        name=data.name,
        owner=data.owner,
        contact=data.contact,
        kind=data.kind,
        profile=data.profile,
        first_party=data.first_party,
        secret_hash=crypto.secret_hash(secret) if secret is not None else None,
        redirect_uris=list(data.redirect_uris),
        grant_types=list(data.grant_types),
        scopes=list(data.scopes),
        roles=["service"] if data.profile == ClientProfile.service else [],
        created_by=by.id,
    )
    try:
        async with session.begin_nested():
            session.add(client)
    except IntegrityError as exc:
        raise ClientIdTaken() from exc
    await by.audit(
        session,
        "client.created",
        api_client=client.client_id,
        kind=client.kind,
        profile=client.profile,
        first_party=client.first_party,
        grant_types=client.grant_types,
        scopes=client.scopes,
    )
    return client, secret


async def rotate_secret(
    session: AsyncSession, crypto: Crypto, client: ApiClient, *, by: Actor, at: datetime
) -> str:
    """A new secret, returned once; the old one stops working with this transaction."""
    check_live(client)
    if client.kind != ClientKind.confidential:
        raise NotConfidential()
    secret = new_secret()
    client.secret_hash = crypto.secret_hash(secret)
    client.secret_rotated_at = at
    await session.flush()
    await by.audit(session, "client.secret_rotated", api_client=client.client_id)
    return secret


async def revoke(session: AsyncSession, client: ApiClient, *, by: Actor, at: datetime) -> ApiClient:
    """The client stops working: no new tokens, its refresh-token families and API keys end. Idempotent."""
    if client.revoked_at is not None:
        return client
    client.revoked_at = at
    await session.flush()
    families = await repository.revoke_client_families(session, client.client_id, at=at)
    keys = await repository.revoke_keys(session, client, at=at)
    await by.audit(
        session,
        "client.revoked",
        api_client=client.client_id,
        families_revoked=families,
        api_keys_revoked=keys,
    )
    return client


def check_live(client: ApiClient) -> None:
    if client.revoked_at is not None:
        raise ClientRevoked(
            Text(f"Klien {client.client_id} sudah dicabut", f"Client {client.client_id} is revoked")
        )

"""API keys, for protocols that need one (the Open311 `api_key`): `sia_<key id>_<secret>`.

The key id (12 hex characters) finds the row; the whole key is checked against its peppered HMAC in
constant time. An unknown key id, a revoked key or a revoked client cost the same HMAC and comparison as a
valid key, so timing tells nothing. Keys are shown once and never logged; services check them through
`POST /identity/v1/api-keys/check` and may cache the answer for at most 60 seconds.
"""

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client import repository
from siantar_identity.client.exceptions import ApiKeyNotFound, TooManyApiKeys
from siantar_identity.client.models import ApiClient, ApiKey
from siantar_identity.client.schemas import ApiKeyCheckResult
from siantar_identity.client.service import check_live
from siantar_identity.security.context import Crypto
from siantar_identity.security.secrets import new_token, same
from siantar_identity.staff.actor import Actor
from siantar_shared.i18n import Text

PREFIX = "sia"
KEY = re.compile(r"sia_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
MAX_LIVE_KEYS = 5
TOUCH_INTERVAL = timedelta(hours=1)  # `last_used_at` is written at most this often per key
_UNKNOWN_HASH = "0" * 64  # compared against when there is no key: same work, never equal to an HMAC


def new_key() -> tuple[str, str]:
    """(key id, full key)."""
    key_id = secrets.token_hex(6)
    return key_id, f"{PREFIX}_{key_id}_{new_token(32)}"


async def create(
    session: AsyncSession, crypto: Crypto, client: ApiClient, *, by: Actor, key: str | None = None
) -> tuple[ApiKey, str]:
    """A new key for `client`, returned once (`key` lets the demo seed keep its own)."""
    check_live(client)
    if await repository.count_live_keys(session, client) >= MAX_LIVE_KEYS:
        raise TooManyApiKeys(
            Text(
                f"Paling banyak {MAX_LIVE_KEYS} kunci aktif per klien",
                f"At most {MAX_LIVE_KEYS} live keys per client",
            )
        )
    match = KEY.fullmatch(key) if key is not None else None
    key_id, key = (match.group(1), key) if match is not None and key is not None else new_key()
    api_key = ApiKey(client_id=client.id, key_id=key_id, key_hash=crypto.secret_hash(key))
    session.add(api_key)
    await session.flush()
    await by.audit(session, "api_key.created", api_client=client.client_id, key_id=key_id)
    return api_key, key


async def keys_of(session: AsyncSession, client: ApiClient) -> list[ApiKey]:
    return list(await repository.keys_of(session, client))


async def revoke(session: AsyncSession, client: ApiClient, key_id: str, *, by: Actor, at: datetime) -> ApiKey:
    api_key = await repository.get_key(session, client, key_id)
    if api_key is None:
        raise ApiKeyNotFound()
    if api_key.revoked_at is None:
        api_key.revoked_at = at
        await session.flush()
        await by.audit(session, "api_key.revoked", api_client=client.client_id, key_id=key_id)
    return api_key


async def check(session: AsyncSession, crypto: Crypto, presented: str, *, at: datetime) -> ApiKeyCheckResult:
    """Whether `presented` is a live key of a live client, with that client's id, scopes and owner."""
    match = KEY.fullmatch(presented)
    found = await repository.key_with_client(session, match.group(1)) if match is not None else None
    stored = found[0].key_hash if found is not None else _UNKNOWN_HASH
    matches = same(crypto.secret_hash(presented), stored)
    if found is None or not matches:
        return ApiKeyCheckResult(valid=False)
    api_key, client = found
    if api_key.revoked_at is not None or client.revoked_at is not None:
        return ApiKeyCheckResult(valid=False)
    if api_key.last_used_at is None or at - api_key.last_used_at >= TOUCH_INTERVAL:
        await repository.touch_key(session, api_key.id, at)
    return ApiKeyCheckResult(
        valid=True, client_id=client.client_id, scopes=list(client.scopes), owner=client.owner
    )

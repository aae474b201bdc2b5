"""Client authentication at the token, revocation and logout endpoints (RFC 6749 §2.3, ASVS 10.4.10).

Confidential clients authenticate with HTTP Basic (`client_secret_basic`) or with `client_id` and
`client_secret` in the form (`client_secret_post`), never both. Secrets are stored as peppered HMACs and
compared in constant time. Public clients (apps on people's devices) send only their `client_id`.
"""

import base64
import binascii
from typing import NoReturn
from urllib.parse import unquote_plus

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.service import record
from siantar_identity.client.models import ApiClient, ClientKind
from siantar_identity.oauth.exceptions import InvalidClient, InvalidRequest
from siantar_identity.security.context import Crypto
from siantar_identity.security.secrets import same
from siantar_shared.i18n import Text

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
CLIENT_AUTH_FAILED = Text("Autentikasi klien gagal", "Client authentication failed")
ONE_METHOD = Text(
    "Gunakan satu cara autentikasi klien saja (HTTP Basic atau client_secret)",
    "Use one client authentication method only (HTTP Basic or client_secret)",
)


async def authenticate_client(
    session: AsyncSession, request: Request, *, client_id: str | None, client_secret: str | None
) -> ApiClient:
    """The calling client, authenticated; `InvalidClient` (401) when it is unknown, revoked or its secret is
    wrong, or when a confidential client sends no secret."""
    basic = _basic_credentials(request)
    if basic is not None:
        if client_secret is not None or (client_id is not None and client_id != basic[0]):
            raise InvalidRequest(ONE_METHOD)
        client_id, client_secret = basic
    if not client_id:
        raise InvalidClient(Text("client_id wajib diisi", "client_id is required"))
    client = await find_client(session, client_id)
    crypto: Crypto = request.state.crypto
    presented = crypto.secret_hash(client_secret or "")  # always, so unknown clients take as long
    if client is None or client.revoked_at is not None:
        await _refuse(session, request, client_id, "unknown_or_revoked")
    elif client.kind == ClientKind.confidential:
        if client_secret is None or not client.secret_hash or not same(presented, client.secret_hash):
            await _refuse(session, request, client_id, "bad_secret")
    elif client_secret is not None:
        await _refuse(session, request, client_id, "secret_for_public_client")
    return client


async def find_client(session: AsyncSession, client_id: str) -> ApiClient | None:
    statement = select(ApiClient).where(ApiClient.client_id == client_id[:64])
    return (await session.scalars(statement)).first()


async def _refuse(session: AsyncSession, request: Request, client_id: str, reason: str) -> NoReturn:
    await record(
        session,
        "oauth.client_auth",
        request=request,
        actor_kind="client",
        client_id=client_id[:64],
        outcome="failure",
        reason=reason,
    )
    raise InvalidClient(CLIENT_AUTH_FAILED)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """`(client_id, client_secret)` from `Authorization: Basic`, each form-decoded (RFC 6749 §2.3.1)."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient(CLIENT_AUTH_FAILED) from exc
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        raise InvalidClient(CLIENT_AUTH_FAILED)
    return unquote_plus(client_id), unquote_plus(secret)

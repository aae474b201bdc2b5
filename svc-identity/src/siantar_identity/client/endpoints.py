"""`/identity/v1/clients`: API clients and their API keys (admins); `/identity/v1/api-keys/check` for
services; `/identity/v1/scopes`, the registry of scopes a client may be allowed."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from siantar_identity.client import apikeys
from siantar_identity.client import service as client_service
from siantar_identity.client.dependencies import SecretAnswer
from siantar_identity.client.schemas import (
    ApiClientCreate,
    ApiClientCreated,
    ApiClientRead,
    ApiKeyCheck,
    ApiKeyCheckResult,
    ApiKeyCreated,
    ApiKeyRead,
    ClientSecret,
    ScopeRead,
)
from siantar_identity.client.scopes import SCOPES
from siantar_identity.clock import ClockDep
from siantar_identity.security.context import CryptoDep
from siantar_identity.staff.actor import AdminActor
from siantar_shared.auth import Principal, Role, require
from siantar_shared.db import SessionDep
from siantar_shared.pagination import CursorQuery, Page

router = APIRouter(tags=["api clients"])
ClientIdPath = Annotated[str, Path(min_length=1, max_length=64)]
KeyChecker = Annotated[Principal, require(roles={Role.service}, scopes={"api-keys:check"})]


@router.get("/scopes", response_model=list[ScopeRead], summary="Scopes a client may be allowed")
async def list_scopes() -> list[ScopeRead]:
    """The registry of scopes and which client profiles may hold each one (public)."""
    return [
        ScopeRead(scope=name, description=info.description, profiles=sorted(info.profiles))
        for name, info in SCOPES.items()
    ]


@router.post(
    "/clients",
    response_model=ApiClientCreated,
    status_code=201,
    dependencies=[SecretAnswer],
    summary="Register an API client (admin)",
)
async def create_client(
    body: ApiClientCreate, by: AdminActor, session: SessionDep, crypto: CryptoDep, response: Response
) -> ApiClientCreated:
    """Register an app or system (admins). A confidential client's `client_secret` is in this answer only:
    it is stored hashed and can never be shown again (rotate it if lost). The `password` grant is only for
    the city's first-party apps, `client_credentials` only for confidential clients, and scopes come from
    `GET /identity/v1/scopes`. `Idempotency-Key` is refused here, since the answer carries the secret."""
    client, secret = await client_service.create(session, crypto, body, by=by)
    response.headers["Location"] = f"/identity/v1/clients/{client.client_id}"
    return ApiClientCreated(**ApiClientRead.model_validate(client).model_dump(), client_secret=secret)


@router.get("/clients", response_model=Page[ApiClientRead], summary="List API clients (admin)")
async def list_clients(
    by: AdminActor,
    session: SessionDep,
    pagination: CursorQuery,
    include_revoked: Annotated[bool, Query(description="Also revoked clients")] = False,
) -> Page[ApiClientRead]:
    """API clients, newest first; keyset pagination. Secrets are never shown."""
    return await client_service.list_clients(session, pagination, include_revoked=include_revoked)


@router.get("/clients/{client_id}", response_model=ApiClientRead, summary="One API client (admin)")
async def get_client(client_id: ClientIdPath, by: AdminActor, session: SessionDep) -> ApiClientRead:
    """An API client's registration (never its secret)."""
    return ApiClientRead.model_validate(await client_service.get(session, client_id))


@router.post(
    "/clients/{client_id}/rotate-secret",
    response_model=ClientSecret,
    dependencies=[SecretAnswer],
    summary="Rotate a client secret (admin)",
)
async def rotate_secret(
    client_id: ClientIdPath, by: AdminActor, session: SessionDep, crypto: CryptoDep, clock: ClockDep
) -> ClientSecret:
    """A new secret for a confidential client, shown once; the previous one stops working at once."""
    client = await client_service.get(session, client_id)
    secret = await client_service.rotate_secret(session, crypto, client, by=by, at=clock.now())
    return ClientSecret(client_id=client.client_id, client_secret=secret)


@router.post("/clients/{client_id}/revoke", response_model=ApiClientRead, summary="Revoke a client (admin)")
async def revoke_client(
    client_id: ClientIdPath, by: AdminActor, session: SessionDep, clock: ClockDep
) -> ApiClientRead:
    """The client stops working: it gets no new tokens, and its refresh-token families and API keys end."""
    client = await client_service.get(session, client_id)
    return ApiClientRead.model_validate(await client_service.revoke(session, client, by=by, at=clock.now()))


@router.get("/clients/{client_id}/api-keys", response_model=list[ApiKeyRead], summary="A client's API keys")
async def list_api_keys(client_id: ClientIdPath, by: AdminActor, session: SessionDep) -> list[ApiKeyRead]:
    """The client's API keys by key id (never the keys themselves)."""
    client = await client_service.get(session, client_id)
    return [ApiKeyRead.model_validate(key) for key in await apikeys.keys_of(session, client)]


@router.post(
    "/clients/{client_id}/api-keys",
    response_model=ApiKeyCreated,
    status_code=201,
    dependencies=[SecretAnswer],
    summary="Issue an API key (admin)",
)
async def create_api_key(
    client_id: ClientIdPath, by: AdminActor, session: SessionDep, crypto: CryptoDep
) -> ApiKeyCreated:
    """A new API key (`sia_<key id>_<secret>`) for protocols that need one, such as Open311's `api_key`;
    shown once, stored as an HMAC. It carries the client's scopes. At most five live keys per client."""
    client = await client_service.get(session, client_id)
    api_key, key = await apikeys.create(session, crypto, client, by=by)
    return ApiKeyCreated(**ApiKeyRead.model_validate(api_key).model_dump(), api_key=key)


@router.delete("/clients/{client_id}/api-keys/{key_id}", status_code=204, summary="Revoke an API key (admin)")
async def revoke_api_key(
    client_id: ClientIdPath,
    key_id: Annotated[str, Path(pattern="^[0-9a-f]{12}$")],
    by: AdminActor,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """The key stops working; services notice within their 60-second cache."""
    client = await client_service.get(session, client_id)
    await apikeys.revoke(session, client, key_id, by=by, at=clock.now())
    return Response(status_code=204)


@router.post("/api-keys/check", response_model=ApiKeyCheckResult, summary="Check an API key (services)")
async def check_api_key(
    body: ApiKeyCheck,
    principal: KeyChecker,
    session: SessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    response: Response,
) -> ApiKeyCheckResult:
    """For services holding an API key from a request (Open311's `api_key`): is it valid, and whose is it?
    An invalid, revoked or unknown key answers `{"valid": false}` with 200. Service tokens with the
    `api-keys:check` scope only; the key goes in the body, never in a URL. Cache the answer for at most 60
    seconds (`Cache-Control: private, max-age=60`)."""
    response.headers["Cache-Control"] = "private, max-age=60"
    return await apikeys.check(session, crypto, body.api_key, at=clock.now())

"""Calling svc-identity as a service: an OAuth 2.0 client-credentials token, fetched when first needed, kept
until shortly before it expires, fetched again after a 401, and never logged.

The client id and secret are the service's registration in identity (`<SVC>_IDENTITY_CLIENT_ID`,
`<SVC>_IDENTITY_CLIENT_SECRET`). Development adapter: when no secret is configured outside production, the
secret is read from `var/demo-credentials.json`, which identity's development seed writes
(`demo_client_secret`); production has no such fallback and a call fails with a clear 503.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from siantar_shared.demo import read_demo_credentials
from siantar_shared.errors import ServiceUnavailable
from siantar_shared.i18n import Text
from siantar_shared.settings import ServiceSettings

TOKEN_PATH = "/identity/v1/oauth/token"  # noqa: S105 - a path, not a password
EXPIRY_LEEWAY_SECONDS = 30.0
logger = logging.getLogger("siantar_shared.service_token")

_UNAVAILABLE = Text(
    "Layanan identitas tidak dapat dihubungi saat ini; coba lagi sebentar lagi",
    "The identity service cannot be reached now; try again shortly",
)


class ServiceTokenError(ServiceUnavailable):
    """No token: identity refused or could not be reached, or no secret is configured."""


def demo_client_secret(settings: ServiceSettings, client_id: str) -> str | None:
    """Development adapter: the secret identity's development seed wrote for `client_id`, if any."""
    if settings.is_production:
        return None
    for client in read_demo_credentials(settings)["api_clients"]:
        if client.get("client_id") == client_id and isinstance(client.get("client_secret"), str):
            secret: str = client["client_secret"]
            return secret
    return None


class ServiceTokenSource:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        client_id: str,
        secret: Callable[[], str | None],
        scope: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.client_id = client_id
        self._secret = secret
        self.scope = scope
        self.clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        if self._token is None or self.clock() >= self._expires_at:
            async with self._lock:
                if self._token is None or self.clock() >= self._expires_at:
                    await self._fetch()
        assert self._token is not None
        return self._token

    def invalidate(self) -> None:
        self._token = None

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """`method path` on identity with the service's bearer token; one retry with a new token after a 401.
        Connection failures raise `ServiceTokenError` (503)."""
        for attempt in (1, 2):
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {await self.token()}"}
            try:
                response = await self.client.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                logger.warning("identity %s %s failed: %s", method, path, type(exc).__name__)
                raise ServiceTokenError(_UNAVAILABLE) from exc
            if response.status_code == 401 and attempt == 1:
                self.invalidate()
                kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    async def _fetch(self) -> None:
        secret = self._secret()
        if not secret:
            logger.error("no client secret configured for %s: cannot call identity", self.client_id)
            raise ServiceTokenError(_UNAVAILABLE)
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        started = self.clock()
        try:
            response = await self.client.post(TOKEN_PATH, data=form, auth=(self.client_id, secret))
        except httpx.HTTPError as exc:
            logger.warning("token request to identity failed: %s", type(exc).__name__)
            raise ServiceTokenError(_UNAVAILABLE) from exc
        if response.status_code != 200:
            logger.error("identity refused a token to %s: HTTP %d", self.client_id, response.status_code)
            raise ServiceTokenError(_UNAVAILABLE)
        body = response.json()
        self._token = str(body["access_token"])
        lifetime = float(body.get("expires_in", 300))
        self._expires_at = started + max(lifetime - EXPIRY_LEEWAY_SECONDS, lifetime / 2)


def token_source_for(settings: ServiceSettings, client: httpx.AsyncClient) -> ServiceTokenSource:
    """The service's token source on `client` (based at IDENTITY_URL), from its settings."""

    def secret() -> str | None:
        if settings.IDENTITY_CLIENT_SECRET is not None:
            return settings.IDENTITY_CLIENT_SECRET.get_secret_value()
        return demo_client_secret(settings, settings.identity_client_id)

    return ServiceTokenSource(client, client_id=settings.identity_client_id, secret=secret)

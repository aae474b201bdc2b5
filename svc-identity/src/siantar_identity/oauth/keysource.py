"""How identity verifies its own tokens: the published keys read from its database, not over HTTP.

`DatabaseKeySource` is a `siantar_shared.auth.KeySource` for the shared `TokenVerifier`: the same checks as
every other service (algorithm allow-list, `typ`, `exp`, `iss`, `aud`), with keys from `signing_key`. The
keys are cached; an unknown `kid` reloads them at most once per `reload_interval` (so garbage kids cannot
hammer the database), a cached key stops verifying when its `publish_until` passes, and the cache is
reloaded after `max_age` anyway, so that a key withdrawn early (`rotate-signing-key --compromised`) stops
verifying here within that time.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_identity.clock import Clock
from siantar_identity.config import Settings
from siantar_identity.oauth.keys import jwks_document, published_keys
from siantar_shared.auth import TokenVerifier, VerificationKey, load_jwks
from siantar_shared.errors import Unauthorized
from siantar_shared.i18n import Text

RELOAD_INTERVAL = timedelta(seconds=5)
MAX_AGE = timedelta(seconds=30)
UNKNOWN_KEY = Text("Kunci penanda tangan token tidak dikenal", "Unknown token signing key")


@dataclass(frozen=True, slots=True)
class _Published:
    key: VerificationKey
    publish_until: datetime | None


class DatabaseKeySource:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        reload_interval: timedelta = RELOAD_INTERVAL,
        max_age: timedelta = MAX_AGE,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.reload_interval = reload_interval
        self.max_age = max_age
        self.loads = 0
        self._keys: dict[str, _Published] = {}
        self._loaded_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def verification_key(self, kid: str) -> VerificationKey:
        """The published key with this `kid`; 401 if there is none (or it is no longer published)."""
        if kid not in self._keys or self._stale():
            async with self._lock:
                if self._stale() or (kid not in self._keys and self._may_reload()):
                    await self._reload()
        entry = self._keys.get(kid)
        if entry is None or (entry.publish_until is not None and entry.publish_until <= self.clock.now()):
            raise Unauthorized(UNKNOWN_KEY)
        return entry.key

    def _stale(self) -> bool:
        return self._loaded_at is not None and self.clock.now() - self._loaded_at >= self.max_age

    def _may_reload(self) -> bool:
        return self._loaded_at is None or self.clock.now() - self._loaded_at >= self.reload_interval

    async def _reload(self) -> None:
        now = self.clock.now()
        self._loaded_at = now
        self.loads += 1
        async with self.sessionmaker() as session:
            rows = await published_keys(session, at=now)
        usable = load_jwks(jwks_document(rows))
        until = {row.kid: row.publish_until for row in rows}
        self._keys = {kid: _Published(key, until[kid]) for kid, key in usable.items()}


def identity_verifier(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock
) -> TokenVerifier:
    """The verifier identity's own endpoints use: its issuer, the platform audience, keys from its database."""
    return TokenVerifier(
        DatabaseKeySource(sessionmaker, clock), issuer=settings.issuer, audience=settings.TOKEN_AUDIENCE
    )

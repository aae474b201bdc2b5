"""Signing keys: made on first need (once, even when replicas race), encrypted at rest, rotated with the old
key published until its tokens have expired; identity's own verifier reads them from the database."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from factories_oauth import audit_rows, bearer, citizen_app, create_citizen, crypto_of, phone_of, sign_in
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.oauth import keys
from siantar_identity.oauth.keys import PRIVATE_KEY_CONTEXT, ensure_active_key
from siantar_identity.oauth.keysource import MAX_AGE, DatabaseKeySource
from siantar_identity.oauth.models import SigningKey
from siantar_identity.oauth.rotation import PROPAGATION_DELAY, rotate_command, rotate_signing_key
from siantar_identity.security.fieldcrypt import DecryptionError
from siantar_shared.auth import TokenVerifier
from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.errors import Unauthorized
from siantar_shared.testing.databases import fresh_database

JWKS = "/identity/.well-known/jwks.json"
SESSIONS = "/identity/v1/me/sessions"


async def published_kids(client: AsyncClient) -> list[str]:
    return sorted(key["kid"] for key in (await client.get(JWKS)).json()["keys"])


class TestFirstKey:
    async def test_made_once_and_sealed(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        ring = crypto_of(settings).ring
        key = await ensure_active_key(session, ring, at=clock.now())
        again = await ensure_active_key(session, ring, at=clock.now())
        assert again.id == key.id
        assert key.kid == "siantar-1"
        assert key.algorithm == "RS256"
        assert key.public_jwk["kid"] == "siantar-1"
        assert {"d", "p", "q"}.isdisjoint(key.public_jwk)
        assert b"PRIVATE KEY" not in key.private_key_ciphertext
        assert ring.decrypt(key.private_key_ciphertext, context=PRIVATE_KEY_CONTEXT).startswith(
            "-----BEGIN PRIVATE KEY-----"
        )
        with pytest.raises(DecryptionError):  # bound to its column
            ring.decrypt(key.private_key_ciphertext, context="account.phone")

    async def test_racing_replica_uses_the_winners_key(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ring = crypto_of(settings).ring
        winner = await ensure_active_key(session, ring, at=clock.now())
        # the loser read "no key, generation 0" before the winner's insert became visible
        real_active_key = keys.active_key
        reads = iter([None])

        async def stale_then_real(session: AsyncSession, *, at: datetime) -> SigningKey | None:
            return next(reads, await real_active_key(session, at=at))

        async def stale_generation(session: AsyncSession) -> int:
            return 1

        monkeypatch.setattr(keys, "active_key", stale_then_real)
        monkeypatch.setattr(keys, "next_generation", stale_generation)
        loser = await ensure_active_key(session, ring, at=clock.now())
        assert loser.id == winner.id
        assert await session.scalar(select(func.count()).select_from(SigningKey)) == 1


class TestRotation:
    async def test_old_tokens_verify_until_publish_until_and_new_ones_use_the_new_key(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        clock: FrozenClock,
        identity_tokens: TokenVerifier,
    ) -> None:
        clock.current = datetime.now(UTC) - timedelta(minutes=5)  # tokens must still be alive in real time
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        old = await sign_in(client, app, phone_of(settings, person))
        assert _kid(old["access_token"]) == "siantar-1"

        new_key = await rotate_signing_key(session, crypto_of(settings).ring, settings, at=clock.now())
        assert new_key.kid == "siantar-2"
        assert new_key.activated_at == clock.now() + PROPAGATION_DELAY
        assert await published_kids(client) == ["siantar-1", "siantar-2"]  # published before it signs
        early = await sign_in(client, app, phone_of(settings, person))
        assert _kid(early["access_token"]) == "siantar-1"

        clock.advance(PROPAGATION_DELAY)
        fresh = await sign_in(client, app, phone_of(settings, person))
        assert _kid(fresh["access_token"]) == "siantar-2"
        assert (await client.get(SESSIONS, headers=bearer(old["access_token"]))).status_code == 200
        assert (await client.get(SESSIONS, headers=bearer(fresh["access_token"]))).status_code == 200

        retired = await session.scalar(select(SigningKey).where(SigningKey.kid == "siantar-1"))
        assert retired is not None
        assert retired.retired_at == new_key.activated_at
        assert (
            retired.publish_until
            == new_key.activated_at + settings.ACCESS_TOKEN_TTL + settings.SIGNING_KEY_OVERLAP
        )
        clock.current = retired.publish_until
        assert await published_kids(client) == ["siantar-2"]
        refused = await client.get(SESSIONS, headers=bearer(old["access_token"]))
        assert refused.status_code == 401
        assert (await client.get(SESSIONS, headers=bearer(fresh["access_token"]))).status_code == 200

    async def test_compromised_key_is_withdrawn_at_once(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        clock: FrozenClock,
        identity_tokens: TokenVerifier,
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        old = await sign_in(client, app, phone_of(settings, person))
        assert (await client.get(SESSIONS, headers=bearer(old["access_token"]))).status_code == 200
        await rotate_signing_key(
            session, crypto_of(settings).ring, settings, at=clock.now(), compromised=True
        )
        assert await published_kids(client) == ["siantar-2"]
        clock.advance(MAX_AGE)  # identity's own key cache is at most this old
        assert (await client.get(SESSIONS, headers=bearer(old["access_token"]))).status_code == 401
        fresh = await sign_in(client, app, phone_of(settings, person))
        assert _kid(fresh["access_token"]) == "siantar-2"
        assert (await client.get(SESSIONS, headers=bearer(fresh["access_token"]))).status_code == 200

    async def test_rotation_is_audited(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        ring = crypto_of(settings).ring
        await ensure_active_key(session, ring, at=clock.now())
        await rotate_signing_key(session, ring, settings, at=clock.now(), immediately=True)
        [entry] = await audit_rows(session, "signing_key.rotated")
        assert entry.actor_kind == "system"
        assert entry.detail["kid"] == "siantar-2"
        assert entry.detail["retired_kid"] == "siantar-1"

    async def test_command(
        self, alembic_ini: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
    ) -> None:
        async with fresh_database("identity_rotate_command", alembic_ini) as url:
            configured = settings.model_copy(update={"DATABASE_URL": url})
            assert await rotate_command(configured, []) == 0  # no key yet: the first signs at once
            assert await rotate_command(configured, []) == 0
            assert "siantar-2 signs from" in capsys.readouterr().out
            engine = make_engine(url, app_name="test.rotate")
            try:
                async with make_sessionmaker(engine)() as session:
                    rows = (await session.scalars(select(SigningKey).order_by(SigningKey.kid))).all()
            finally:
                await engine.dispose()
        assert [row.kid for row in rows] == ["siantar-1", "siantar-2"]
        first, second = rows
        assert second.activated_at is not None
        assert first.retired_at == second.activated_at
        assert second.activated_at - second.created_at == PROPAGATION_DELAY


class TestDatabaseKeySource:
    async def test_unknown_kid_reloads_at_most_every_five_seconds(
        self,
        session: AsyncSession,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: FrozenClock,
    ) -> None:
        await ensure_active_key(session, crypto_of(settings).ring, at=clock.now())
        await session.flush()
        source = DatabaseKeySource(sessionmaker, clock)
        assert (await source.verification_key("siantar-1")).algorithms == frozenset({"RS256"})
        for _ in range(3):
            with pytest.raises(Unauthorized):
                await source.verification_key("forged")
        assert source.loads == 1
        clock.advance(timedelta(seconds=5))
        with pytest.raises(Unauthorized):
            await source.verification_key("forged")
        assert source.loads == 2
        await source.verification_key("siantar-1")  # known: no reload
        assert source.loads == 2
        clock.advance(MAX_AGE)
        await source.verification_key("siantar-1")  # known, but the cache is too old: reloaded
        assert source.loads == 3


def _kid(token: str) -> str:
    kid: str = jwt.get_unverified_header(token)["kid"]
    return kid

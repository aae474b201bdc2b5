"""API keys: issued once, stored as an HMAC, checked by services in constant time, never logged."""

import logging
import re

import pytest
from factories_staff import admin_headers, audit_rows, create_client, crypto_of, service_headers
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client import apikeys
from siantar_identity.client.models import ApiClient, ApiKey
from siantar_identity.config import Settings
from siantar_shared.testing.tokens import TestKeys

CLIENTS = "/identity/v1/clients"
CHECK = "/identity/v1/api-keys/check"
KEY_SHAPE = re.compile(r"sia_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


async def issue(
    client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
) -> tuple[ApiClient, str, dict[str, str]]:
    registered, _ = await create_client(session, settings, scopes=["open311:write", "complaints:write"])
    headers = await admin_headers(session, settings, test_keys)
    response = await client.post(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)
    assert response.status_code == 201, response.text
    return registered, response.json()["api_key"], headers


class TestCreateApiKey:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{CLIENTS}/app-x/api-keys")).status_code == 401

    async def test_shown_once_in_its_format_and_stored_as_an_hmac(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        registered, key, headers = await issue(client, session, settings, test_keys)
        assert KEY_SHAPE.fullmatch(key)
        stored = (await session.scalars(select(ApiKey).where(ApiKey.client_id == registered.id))).one()
        assert stored.key_id == key.split("_")[1]
        assert stored.key_hash == crypto_of(settings).secret_hash(key)
        listed = await client.get(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)
        assert listed.json()[0]["key_id"] == stored.key_id
        assert key not in listed.text
        (record,) = await audit_rows(session, "api_key.created")
        assert record.detail == {"api_client": registered.client_id, "key_id": stored.key_id}

    async def test_at_most_five_live_keys(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        registered, _, headers = await issue(client, session, settings, test_keys)
        for _ in range(apikeys.MAX_LIVE_KEYS - 1):
            assert (
                await client.post(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)
            ).status_code == 201
        assert (
            await client.post(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)
        ).status_code == 409


class TestCheckApiKey:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(CHECK, json={"api_key": "x"})).status_code == 401

    async def test_a_person_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        token = test_keys.mint(roles=["admin"], scopes=["api-keys:check"])
        response = await client.post(
            CHECK, json={"api_key": "x"}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 403

    async def test_a_service_without_the_scope_is_403(self, client: AsyncClient, test_keys: TestKeys) -> None:
        response = await client.post(
            CHECK, json={"api_key": "x"}, headers=service_headers(test_keys, "notify:send")
        )
        assert response.status_code == 403

    async def test_valid_key(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        registered, key, _ = await issue(client, session, settings, test_keys)
        response = await client.post(
            CHECK, json={"api_key": key}, headers=service_headers(test_keys, "api-keys:check")
        )
        assert response.status_code == 200
        assert response.headers["cache-control"] == "private, max-age=60"
        assert response.json() == {
            "valid": True,
            "client_id": registered.client_id,
            "scopes": ["open311:write", "complaints:write"],
            "owner": "CV Contoh Digital",
        }
        stored = (await session.scalars(select(ApiKey).where(ApiKey.client_id == registered.id))).one()
        await session.refresh(stored)
        assert stored.last_used_at is not None

    @pytest.mark.parametrize(
        "change",
        [
            lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # right key id, wrong secret
            lambda key: "sia_000000000000_" + key.split("_", 2)[2],  # unknown key id
            lambda key: key.upper(),
            lambda key: key + "x",
            lambda key: "not a key at all",
        ],
    )
    async def test_invalid_key_is_valid_false_with_200(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        change: object,
    ) -> None:
        _, key, _ = await issue(client, session, settings, test_keys)
        presented = change(key)  # type: ignore[operator]
        response = await client.post(
            CHECK, json={"api_key": presented}, headers=service_headers(test_keys, "api-keys:check")
        )
        assert response.status_code == 200
        assert response.json() == {"valid": False, "client_id": None, "scopes": [], "owner": None}

    async def test_revoked_key_and_revoked_client_are_invalid(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        registered, key, headers = await issue(client, session, settings, test_keys)
        checker = service_headers(test_keys, "api-keys:check")
        key_id = key.split("_")[1]
        assert (
            await client.delete(f"{CLIENTS}/{registered.client_id}/api-keys/{key_id}", headers=headers)
        ).status_code == 204
        assert (await client.post(CHECK, json={"api_key": key}, headers=checker)).json()["valid"] is False
        assert len(await audit_rows(session, "api_key.revoked")) == 1
        second = (await client.post(f"{CLIENTS}/{registered.client_id}/api-keys", headers=headers)).json()[
            "api_key"
        ]
        assert (await client.post(CHECK, json={"api_key": second}, headers=checker)).json()["valid"] is True
        await session.execute(
            update(ApiClient).where(ApiClient.id == registered.id).values(revoked_at=registered.created_at)
        )
        assert (await client.post(CHECK, json={"api_key": second}, headers=checker)).json()["valid"] is False

    async def test_every_path_does_the_same_hmac_and_constant_time_comparison(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Unknown key ids and malformed keys cost the HMAC and the `hmac.compare_digest` of a real key."""
        _registered, key, _headers = await issue(client, session, settings, test_keys)
        comparisons: list[tuple[int, int]] = []
        real_same = apikeys.same

        def counting_same(a: str, b: str) -> bool:
            comparisons.append((len(a), len(b)))
            return real_same(a, b)

        monkeypatch.setattr(apikeys, "same", counting_same)
        checker = service_headers(test_keys, "api-keys:check")
        for presented in (key, "sia_000000000000_" + key.split("_", 2)[2], "garbage"):
            await client.post(CHECK, json={"api_key": presented}, headers=checker)
        assert comparisons == [(64, 64)] * 3

    async def test_the_key_goes_in_the_body_never_in_the_url(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, key, _ = await issue(client, session, settings, test_keys)
        response = await client.post(
            CHECK, params={"api_key": key}, headers=service_headers(test_keys, "api-keys:check")
        )
        assert response.status_code == 422


class TestSecretsNeverLogged:
    async def test_keys_and_secrets_stay_out_of_the_logs(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        headers = await admin_headers(session, settings, test_keys)
        body = {
            "name": "Open311 App",
            "owner": "CV Contoh",
            "contact": "dev@contoh.co.id",
            "kind": "confidential",
            "profile": "third_party",
            "grant_types": ["client_credentials"],
            "scopes": ["open311:write"],
        }
        created = (await client.post(CLIENTS, json=body, headers=headers)).json()
        client_id, first_secret = created["client_id"], created["client_secret"]
        rotated = (await client.post(f"{CLIENTS}/{client_id}/rotate-secret", headers=headers)).json()[
            "client_secret"
        ]
        key = (await client.post(f"{CLIENTS}/{client_id}/api-keys", headers=headers)).json()["api_key"]
        checker = service_headers(test_keys, "api-keys:check")
        await client.post(CHECK, json={"api_key": key}, headers=checker)
        await client.post(CHECK, json={"api_key": key + "x"}, headers=checker)
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": first_secret}
        await client.post("/identity/v1/oauth/token", data=form)  # a refused old secret
        assert caplog.records  # the flows did log
        logged = caplog.text + " ".join(str(record.args) for record in caplog.records)
        for secret in (first_secret, rotated, key, key.split("_", 2)[2]):
            assert secret not in logged

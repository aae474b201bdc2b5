"""`python -m siantar_identity seed`: the OPD list everywhere, demo accounts and clients in development only,
idempotent, and `var/demo-credentials.json` in the documented format."""

import json
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity import seed as seed_module
from siantar_identity.account import contacts
from siantar_identity.account.models import Account
from siantar_identity.agency.models import Agency
from siantar_identity.client.models import ApiClient
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.mfa.service import TOTP_CONTEXT
from siantar_identity.security.context import Crypto
from siantar_identity.security.passwords import verify_password
from siantar_shared.db import make_engine, make_sessionmaker
from siantar_shared.settings import Environment
from siantar_shared.testing.databases import fresh_database

ACCOUNT_KEYS = {"username", "password", "roles", "agency", "totp_secret"}
CLIENT_KEYS = {"client_id", "client_secret", "api_key", "scopes", "first_party"}


@pytest.fixture
async def seed_settings(settings: Settings, alembic_ini: Path, tmp_path: Path) -> AsyncIterator[Settings]:
    """The test settings, on a database and a var/ folder of their own (the seed commits for real)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    async with fresh_database(f"identity_seed_{worker}", alembic_ini) as url:
        yield settings.model_copy(update={"DATABASE_URL": url, "VAR_DIR": tmp_path})


async def count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.DATABASE_URL, app_name="test.seed")
    try:
        async with make_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        await engine.dispose()


class TestSeedCommand:
    async def test_creates_the_documented_accounts_and_file_then_keeps_them(
        self, seed_settings: Settings
    ) -> None:
        await seed_module.seed(seed_settings)
        path = seed_settings.VAR_DIR / "demo-credentials.json"
        first = json.loads(path.read_text(encoding="utf-8"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert set(first) == {"accounts", "api_clients"}
        assert all(set(entry) == ACCOUNT_KEYS for entry in first["accounts"])
        assert all(set(entry) == CLIENT_KEYS for entry in first["api_clients"])
        people = {(tuple(e["roles"]), e["agency"]) for e in first["accounts"]}
        assert (("admin",), None) in people
        assert (("verifier",), "DISKOMINFO") in people
        for opd in ("DLH", "PUTR", "DPMPTSP"):
            assert (("officer",), opd) in people
            assert (("supervisor",), opd) in people
        citizens = [e for e in first["accounts"] if e["roles"] == ["citizen"]]
        assert len(citizens) == 2
        assert all(e["username"].startswith("+62") and e["totp_secret"] is None for e in citizens)
        assert all(e["totp_secret"] for e in first["accounts"] if e["roles"] != ["citizen"])
        clients = {e["client_id"]: e for e in first["api_clients"]}
        app = clients["siantar-citizen-app"]
        assert app["first_party"] is True
        assert app["client_secret"] is None
        assert app["api_key"] is None
        assert clients["siantar-staff-console"]["first_party"] is True
        open311 = clients["open311-demo"]
        assert open311["api_key"].startswith("sia_")
        assert "open311:write" in open311["scopes"]
        for service in ("svc-complaints", "svc-permits"):
            assert clients[service]["client_secret"]
            assert "api-keys:check" in clients[service]["scopes"]
        accounts_before = await count(seed_settings, Account)

        await seed_module.seed(seed_settings)
        assert json.loads(path.read_text(encoding="utf-8")) == first
        assert await count(seed_settings, Account) == accounts_before == 10
        assert await count(seed_settings, ApiClient) == 5

    async def test_production_seeds_the_opd_list_and_refuses_demo_data(self, seed_settings: Settings) -> None:
        production = seed_settings.model_copy(update={"ENV": Environment.production})
        await seed_module.seed(production)
        assert await count(production, Agency) > 30
        assert await count(production, Account) == 0
        assert await count(production, ApiClient) == 0
        assert not (production.VAR_DIR / "demo-credentials.json").exists()


class TestSeedDemo:
    async def test_refused_in_production(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        production = settings.model_copy(update={"ENV": Environment.production})
        with pytest.raises(seed_module.DemoDataRefused):
            await seed_module.seed_demo(session, production, Crypto.from_settings(settings), at=clock.now())
        assert (await session.scalar(select(func.count()).select_from(Account))) == 0

    async def test_what_it_stores_matches_the_file(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock, tmp_path: Path
    ) -> None:
        local = settings.model_copy(update={"VAR_DIR": tmp_path})
        crypto = Crypto.from_settings(settings)
        await seed_module.agency_service.seed(session)
        accounts, clients = await seed_module.seed_demo(session, local, crypto, at=clock.now())
        officer = next(e for e in accounts if e["username"] == "dlh.officer")
        row = (await session.scalars(select(Account).where(Account.username == "dlh.officer"))).one()
        assert (row.kind, row.status, row.agency_code, row.roles) == ("staff", "active", "DLH", ["officer"])
        assert await verify_password(row.password_hash, officer["password"])
        assert (
            crypto.ring.decrypt(row.totp_secret_ciphertext or b"", context=TOTP_CONTEXT)
            == officer["totp_secret"]
        )
        assert row.totp_confirmed_at is not None
        verified = [
            (
                await session.scalars(
                    select(Account).where(Account.phone_index == contacts.phone_index(crypto, e["username"]))
                )
            ).one()
            for e in accounts
            if e["roles"] == ["citizen"]
        ]
        assert all(c.status == "active" and c.phone_verified_at is not None for c in verified)
        assert sorted(c.assurance_level for c in verified) == [0, 2]
        assert next(c for c in verified if c.assurance_level == 2).assurance_method == "seed"
        service = (await session.scalars(select(ApiClient).where(ApiClient.client_id == "svc-permits"))).one()
        secret = next(e for e in clients if e["client_id"] == "svc-permits")["client_secret"]
        assert service.secret_hash == crypto.secret_hash(secret)
        assert service.roles == ["service"]

    async def test_a_lost_file_reissues_credentials_without_new_accounts(
        self, session: AsyncSession, settings: Settings, clock: FrozenClock, tmp_path: Path
    ) -> None:
        local = settings.model_copy(update={"VAR_DIR": tmp_path})
        crypto = Crypto.from_settings(settings)
        await seed_module.agency_service.seed(session)
        first, first_clients = await seed_module.seed_demo(session, local, crypto, at=clock.now())
        (tmp_path / "demo-credentials.json").unlink()
        second, second_clients = await seed_module.seed_demo(session, local, crypto, at=clock.now())
        assert [e["username"] for e in second] == [e["username"] for e in first]
        assert (await session.scalar(select(func.count()).select_from(Account))) == len(first)
        admin = (await session.scalars(select(Account).where(Account.username == "admin"))).one()
        new_password = next(e for e in second if e["username"] == "admin")["password"]
        assert new_password != next(e for e in first if e["username"] == "admin")["password"]
        assert await verify_password(admin.password_hash, new_password)
        old_key = next(e for e in first_clients if e["client_id"] == "open311-demo")["api_key"]
        assert next(e for e in second_clients if e["client_id"] == "open311-demo")["api_key"] != old_key

    async def test_the_demo_people_and_services_can_sign_in(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        clock: FrozenClock,
        tmp_path: Path,
    ) -> None:
        local = settings.model_copy(update={"VAR_DIR": tmp_path})
        await seed_module.agency_service.seed(session)
        accounts, clients = await seed_module.seed_demo(
            session, local, Crypto.from_settings(settings), at=clock.now()
        )
        token = "/identity/v1/oauth/token"
        officer = next(e for e in accounts if e["username"] == "putr.officer")
        staff_form = {
            "grant_type": "password",
            "client_id": "siantar-staff-console",
            "username": officer["username"],
            "password": officer["password"],
            "otp": totp.code_at(officer["totp_secret"], clock.now()),
        }
        response = await client.post(token, data=staff_form)
        assert response.status_code == 200, response.text
        citizen = next(e for e in accounts if e["roles"] == ["citizen"])
        citizen_form = {
            "grant_type": "password",
            "client_id": "siantar-citizen-app",
            "username": citizen["username"],
            "password": citizen["password"],
        }
        assert (await client.post(token, data=citizen_form)).status_code == 200
        service = next(e for e in clients if e["client_id"] == "svc-complaints")
        service_form = {
            "grant_type": "client_credentials",
            "client_id": "svc-complaints",
            "client_secret": service["client_secret"],
        }
        assert (await client.post(token, data=service_form)).status_code == 200

"""A supervisor manages the officers of their own OPD, and nothing else."""

import pytest
from factories_staff import audit_rows, bearer, create_staff, reload, seed_opd, unique
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.config import Settings
from siantar_shared.testing.tokens import TestKeys

STAFF = "/identity/v1/staff"


async def dlh_supervisor(session: AsyncSession, settings: Settings, test_keys: TestKeys) -> dict[str, str]:
    await seed_opd(session)
    supervisor = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
    return bearer(test_keys, supervisor)


def invitation(**body: object) -> dict[str, object]:
    return {
        "full_name": "Budi Damanik",
        "username": unique("dlh"),
        "email": "budi@pematangsiantar.go.id",
        **body,
    }


class TestOfficersOfAnAgency:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.get("/identity/v1/agencies/DLH/officers")).status_code == 401

    async def test_own_officers_only(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        mine = await create_staff(session, settings, roles=["officer"], agency="DLH")
        await create_staff(session, settings, roles=["officer"], agency="PUTR")
        await create_staff(session, settings, roles=["inspector"], agency="DLH")
        response = await client.get("/identity/v1/agencies/DLH/officers", headers=headers)
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["items"]] == [str(mine.id)]

    async def test_another_agency_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        assert (await client.get("/identity/v1/agencies/PUTR/officers", headers=headers)).status_code == 403

    async def test_the_agency_claim_of_the_token_does_not_decide(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        """The account's current agency counts, not what an older token says."""
        await seed_opd(session)
        supervisor = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
        forged = bearer(test_keys, supervisor, agency="PUTR")
        assert (await client.get("/identity/v1/agencies/PUTR/officers", headers=forged)).status_code == 403

    async def test_an_officer_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        response = await client.get("/identity/v1/agencies/DLH/officers", headers=bearer(test_keys, officer))
        assert response.status_code == 403


class TestSupervisorInvites:
    async def test_an_officer_of_their_own_agency(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        response = await client.post(STAFF, json=invitation(roles=["officer"]), headers=headers)
        assert response.status_code == 201, response.text
        assert response.json()["agency"] == "DLH"  # their own OPD by default

    @pytest.mark.parametrize(
        "body",
        [
            {"roles": ["officer"], "agency": "PUTR"},
            {"roles": ["supervisor"], "agency": "DLH"},
            {"roles": ["officer", "supervisor"], "agency": "DLH"},
            {"roles": ["inspector"], "agency": "DLH"},
            {"roles": ["admin"]},
            {"roles": ["dpo"]},
            {"roles": ["verifier"]},
        ],
    )
    async def test_anything_else_is_403(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        body: dict[str, object],
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        payload = invitation(**body)
        response = await client.post(STAFF, json=payload, headers=headers)
        assert response.status_code == 403
        assert (
            await session.scalar(select(Account.id).where(Account.username == payload["username"]))
        ) is None


class TestSupervisorDisables:
    async def test_own_officer(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        response = await client.post(
            f"{STAFF}/{officer.id}/disable", json={"reason": "Cuti panjang"}, headers=headers
        )
        assert response.status_code == 200
        assert len(await audit_rows(session, "staff.disabled", subject_id=officer.id)) == 1
        assert (await client.post(f"{STAFF}/{officer.id}/enable", headers=headers)).json()[
            "status"
        ] == "active"

    @pytest.mark.parametrize(
        ("roles", "agency"),
        [
            (["officer"], "PUTR"),
            (["supervisor"], "DLH"),
            (["officer", "supervisor"], "DLH"),
            (["admin"], None),
        ],
    )
    async def test_anyone_else_is_403(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        roles: list[str],
        agency: str | None,
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        target = await create_staff(session, settings, roles=roles, agency=agency)
        assert (
            await client.post(f"{STAFF}/{target.id}/disable", json={"reason": "x y z"}, headers=headers)
        ).status_code == 403
        assert (await client.get(f"{STAFF}/{target.id}", headers=headers)).status_code == 403
        assert (await reload(session, target)).status == "active"

    async def test_no_role_changes(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await dlh_supervisor(session, settings, test_keys)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        response = await client.patch(
            f"{STAFF}/{officer.id}", json={"roles": ["officer", "supervisor"]}, headers=headers
        )
        assert response.status_code == 403
        assert (await reload(session, officer)).roles == ["officer"]

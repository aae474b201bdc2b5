"""`GET /identity/v1/staff-directory/{subject_id}`: services check who a duty goes to, without personal data;
`GET /identity/v1/staff-directory?role=&agency=`: services find whom to tell (an OPD's supervisors, the desk)."""

from uuid import uuid4

import pytest
from factories_staff import bearer, create_staff, seed_opd, service_headers
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.audit.models import AuditRecord
from siantar_identity.config import Settings
from siantar_identity.staff import service as staff_service
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

DIRECTORY = "/identity/v1/staff-directory"


async def audit_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuditRecord)) or 0)


class TestStaffDirectory:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(f"{DIRECTORY}/{uuid4()}")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_service_token_sees_roles_and_agency_only(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        before = await audit_count(session)
        response = await client.get(
            f"{DIRECTORY}/{officer.id}", headers=service_headers(test_keys, "identity:read")
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "subject_id": str(officer.id),
            "active": True,
            "agency": "DLH",
            "roles": ["officer"],
        }
        assert response.headers["cache-control"] == "private, max-age=60"
        assert officer.username is not None
        assert officer.username not in response.text  # no name, username or contact
        assert "Petugas" not in response.text
        assert await audit_count(session) == before  # no personal data read: not audited

    async def test_disabled_and_pending_staff_are_not_active(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        headers = service_headers(test_keys, "identity:read")
        for status in (AccountStatus.disabled, AccountStatus.pending):
            member = await create_staff(session, settings, roles=["officer"], agency="PUTR", status=status)
            response = await client.get(f"{DIRECTORY}/{member.id}", headers=headers)
            assert response.status_code == 200, response.text
            assert response.json()["active"] is False
            assert response.json()["agency"] == "PUTR"

    async def test_unknown_and_citizen_subjects_are_404(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        citizen = await save(
            session, Account(kind=AccountKind.citizen, status=AccountStatus.active, full_name="Warga Uji")
        )
        headers = service_headers(test_keys, "identity:read")
        for subject in (uuid4(), citizen.id):
            response = await client.get(f"{DIRECTORY}/{subject}", headers=headers)
            assert response.status_code == 404
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/staff-not-found")

    async def test_people_and_services_without_the_scope_are_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        """An attacker holding a citizen's, an officer's or even an admin's token cannot enumerate staff."""
        await seed_opd(session)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        admin = await create_staff(session, settings, roles=["admin"])
        citizen = {"Authorization": f"Bearer {test_keys.mint(roles=['citizen'], scopes=['identity:read'])}"}
        for headers in (
            citizen,
            bearer(test_keys, officer, scopes=["identity:read"]),
            bearer(test_keys, admin, scopes=["identity:read"]),
            service_headers(test_keys, "notify:send"),
        ):
            response = await client.get(f"{DIRECTORY}/{officer.id}", headers=headers)
            assert response.status_code == 403, headers
            assert response.headers["content-type"] == "application/problem+json"


class TestStaffDirectoryList:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(DIRECTORY, params={"role": "supervisor"})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_active_supervisors_of_one_opd_only(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        first = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
        second = await create_staff(session, settings, roles=["officer", "supervisor"], agency="DLH")
        others = [
            await create_staff(
                session, settings, roles=["supervisor"], agency="DLH", status=AccountStatus.disabled
            ),
            await create_staff(  # invited, not yet enrolled
                session,
                settings,
                roles=["supervisor"],
                agency="DLH",
                status=AccountStatus.pending,
                enrolled=False,
                password=None,
            ),
            await create_staff(session, settings, roles=["supervisor"], agency="PUTR"),
            await create_staff(session, settings, roles=["officer"], agency="DLH"),
            await create_staff(session, settings, roles=["inspector"], agency="DLH"),
        ]
        before = await audit_count(session)
        response = await client.get(
            DIRECTORY,
            params={"role": "supervisor", "agency": "DLH"},
            headers=service_headers(test_keys, "identity:read"),
        )
        assert response.status_code == 200, response.text
        expected = sorted([first, second], key=lambda account: account.id)
        assert response.json() == {
            "items": [
                {
                    "subject_id": str(account.id),
                    "active": True,
                    "agency": "DLH",
                    "roles": sorted(account.roles),
                }
                for account in expected
            ]
        }
        assert not {str(account.id) for account in others} & {
            item["subject_id"] for item in response.json()["items"]
        }
        assert response.headers["cache-control"] == "private, max-age=60"
        for item in response.json()["items"]:
            assert set(item) == {"subject_id", "active", "agency", "roles"}  # no name, phone or e-mail
        for account in (first, second):
            assert account.username is not None
            assert account.username not in response.text
        assert "Petugas" not in response.text
        assert "pematangsiantar.go.id" not in response.text
        assert await audit_count(session) == before  # no personal data read: not audited

    async def test_verifiers_without_agency_list_the_desk(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        desk = [
            await create_staff(session, settings, roles=["verifier"], agency="DISKOMINFO") for _ in range(3)
        ]
        await create_staff(
            session, settings, roles=["verifier"], agency="DISKOMINFO", status=AccountStatus.disabled
        )
        await create_staff(session, settings, roles=["admin"])
        await create_staff(session, settings, roles=["supervisor"], agency="DISKOMINFO")
        response = await client.get(
            DIRECTORY, params={"role": "verifier"}, headers=service_headers(test_keys, "identity:read")
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert [item["subject_id"] for item in items] == sorted(str(account.id) for account in desk)
        assert all(item["active"] and item["roles"] == ["verifier"] for item in items)
        assert {item["agency"] for item in items} == {"DISKOMINFO"}

    async def test_none_is_an_empty_list(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        response = await client.get(
            DIRECTORY,
            params={"role": "supervisor", "agency": "DLH"},
            headers=service_headers(test_keys, "identity:read"),
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"items": []}

    async def test_at_most_the_limit_by_subject_id(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        assert staff_service.DIRECTORY_LIST_MAX == 200
        monkeypatch.setattr(staff_service, "DIRECTORY_LIST_MAX", 2)
        await seed_opd(session)
        officers = [
            await create_staff(session, settings, roles=["officer"], agency="DINKES", password=None)
            for _ in range(3)
        ]
        response = await client.get(
            DIRECTORY,
            params={"role": "officer", "agency": "DINKES"},
            headers=service_headers(test_keys, "identity:read"),
        )
        assert response.status_code == 200, response.text
        ids = [item["subject_id"] for item in response.json()["items"]]
        assert ids == sorted(str(account.id) for account in officers)[:2]

    async def test_people_and_services_without_the_scope_are_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        supervisor = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
        admin = await create_staff(session, settings, roles=["admin"])
        citizen = {"Authorization": f"Bearer {test_keys.mint(roles=['citizen'], scopes=['identity:read'])}"}
        for headers in (
            citizen,
            bearer(test_keys, supervisor, scopes=["identity:read"]),
            bearer(test_keys, admin, scopes=["identity:read"]),
            service_headers(test_keys, "notify:send"),
            service_headers(test_keys),
        ):
            response = await client.get(
                DIRECTORY, params={"role": "supervisor", "agency": "DLH"}, headers=headers
            )
            assert response.status_code == 403, headers
            assert response.headers["content-type"] == "application/problem+json"
            assert str(supervisor.id) not in response.text

    @pytest.mark.parametrize(
        ("params", "pointer"),
        [
            ({"role": "chief"}, "#/role"),
            ({"role": "citizen"}, "#/role"),
            ({"role": "service"}, "#/role"),
            ({}, "#/role"),
            ({"role": "supervisor", "agency": "dlh"}, "#/agency"),
        ],
    )
    async def test_an_unknown_role_or_a_bad_agency_is_422(
        self, client: AsyncClient, test_keys: TestKeys, params: dict[str, str], pointer: str
    ) -> None:
        response = await client.get(
            DIRECTORY, params=params, headers=service_headers(test_keys, "identity:read")
        )
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 422
        assert pointer in [error["pointer"] for error in response.json()["errors"]]

    async def test_the_list_and_the_entry_routes_do_not_collide(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        headers = service_headers(test_keys, "identity:read")
        entry = await client.get(f"{DIRECTORY}/{officer.id}", params={"role": "officer"}, headers=headers)
        assert entry.status_code == 200, entry.text
        assert entry.json()["subject_id"] == str(officer.id)
        listing = await client.get(DIRECTORY, params={"role": "officer"}, headers=headers)
        assert listing.status_code == 200, listing.text
        assert [item["subject_id"] for item in listing.json()["items"]] == [str(officer.id)]

    async def test_documented_in_openapi(self, client: AsyncClient) -> None:
        document = (await client.get("/identity/v1/openapi.json")).json()
        operation = document["paths"]["/identity/v1/staff-directory"]["get"]
        assert operation["summary"]
        assert "Not audited" in operation["description"]
        assert "403" in operation["responses"]
        parameters = {param["name"]: param for param in operation["parameters"]}
        assert parameters["role"]["required"] is True
        assert parameters["agency"]["required"] is False
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/StaffDirectoryList")

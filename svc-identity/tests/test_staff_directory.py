"""`GET /identity/v1/staff-directory/{subject_id}`: services check who a duty goes to, without personal data."""

from uuid import uuid4

from factories_staff import bearer, create_staff, seed_opd, service_headers
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.audit.models import AuditRecord
from siantar_identity.config import Settings
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

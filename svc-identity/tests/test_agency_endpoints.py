"""The OPD master list over HTTP: public and cacheable reads, admin writes with If-Match."""

from datetime import timedelta

import pytest
from factories_staff import admin_headers, audit_rows, bearer, create_staff, seed_opd
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.agency import service as agency_service
from siantar_identity.agency.models import Agency
from siantar_identity.agency.schemas import AgencyUpdate
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.models import platform
from siantar_identity.staff.actor import Actor
from siantar_shared.calendar import local_date
from siantar_shared.errors import PreconditionFailed
from siantar_shared.testing.tokens import TestKeys

BASE = "/identity/v1/agencies"
NEW = {
    "code": "DINSOSP3A",
    "name": "Dinas Sosial, P3A",
    "short_name": "Dinsos P3A",
    "cluster": "social_services",
}


class TestListAgencies:
    async def test_anonymous_reads_the_list_in_effect(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_opd(session)
        response = await client.get(BASE)
        assert response.status_code == 200
        codes = [item["code"] for item in response.json()["items"]]
        assert codes == sorted(codes)
        assert {"DLH", "PUTR", "DPMPTSP", "DISKOMINFO", "TIRTAULI", "PDPHJ", "KEC-SIANTAR-TIMUR"} <= set(
            codes
        )
        assert "DINSOS" not in codes  # unconfirmed in the brief: seeded inactive
        assert all(item["in_effect"] for item in response.json()["items"])
        assert response.headers["cache-control"] == "public, max-age=300"
        assert response.headers["etag"].startswith('"')

    async def test_include_inactive(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_opd(session)
        items = (await client.get(BASE, params={"include_inactive": "true"})).json()["items"]
        dinsos = next(item for item in items if item["code"] == "DINSOS")
        assert dinsos["active"] is False
        assert dinsos["in_effect"] is False

    async def test_if_none_match_answers_304_until_something_changes(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        etag = (await client.get(BASE)).headers["etag"]
        cached = await client.get(BASE, headers={"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        assert (await client.get(BASE, headers={"If-None-Match": f'W/{etag}, "other"'})).status_code == 304
        assert (await client.get(BASE, headers={"If-None-Match": '"other"'})).status_code == 200
        headers = await admin_headers(session, settings, test_keys)
        assert (await client.post(BASE, json=NEW, headers=headers)).status_code == 201
        changed = await client.get(BASE, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag

    async def test_validity_period_decides_in_effect(
        self, client: AsyncClient, session: AsyncSession, clock: FrozenClock
    ) -> None:
        await seed_opd(session)
        today = local_date(clock.now())
        await session.execute(
            update(Agency).where(Agency.code == "DLH").values(valid_to=today - timedelta(days=1))
        )
        await session.execute(
            update(Agency).where(Agency.code == "PUTR").values(valid_from=today + timedelta(days=1))
        )
        await session.execute(update(Agency).where(Agency.code == "DISHUB").values(valid_to=today))
        codes = {item["code"] for item in (await client.get(BASE)).json()["items"]}
        assert "DLH" not in codes
        assert "PUTR" not in codes
        assert "DISHUB" in codes  # valid_to is the last day, inclusive


class TestGetAgency:
    async def test_anonymous_reads_one(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_opd(session)
        response = await client.get(f"{BASE}/DLH")
        assert response.status_code == 200
        assert response.json()["name"] == "Dinas Lingkungan Hidup"
        assert response.json()["version"] == 1
        again = await client.get(f"{BASE}/DLH", headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304

    async def test_unknown_code_is_404(self, client: AsyncClient, session: AsyncSession) -> None:
        response = await client.get(f"{BASE}/NOPE")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"

    async def test_malformed_code_is_422(self, client: AsyncClient) -> None:
        assert (await client.get(f"{BASE}/dlh")).status_code == 422


class TestCreateAgency:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(BASE, json=NEW)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_officer_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        officer = await create_staff(session, settings, roles=["officer"], agency="DLH")
        assert (await client.post(BASE, json=NEW, headers=bearer(test_keys, officer))).status_code == 403

    async def test_admin_token_without_an_admin_account_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        demoted = await create_staff(session, settings, roles=["officer"], agency="DLH")
        response = await client.post(BASE, json=NEW, headers=bearer(test_keys, demoted, roles=["admin"]))
        assert response.status_code == 403
        disabled = await create_staff(session, settings, roles=["admin"], status="disabled")
        assert (await client.post(BASE, json=NEW, headers=bearer(test_keys, disabled))).status_code == 403

    async def test_admin_creates_audited_and_announced(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        response = await client.post(BASE, json={**NEW, "valid_from": "2027-01-01"}, headers=headers)
        assert response.status_code == 201
        assert response.headers["location"] == f"{BASE}/DINSOSP3A"
        assert response.json()["in_effect"] is False  # from 2027
        assert len(await audit_rows(session, "agency.created")) == 1
        events = (await session.scalars(select(platform.outbox_event))).all()
        assert [event.type for event in events][-1] == "id.go.pematangsiantar.identity.agency.created"

    async def test_duplicate_code_is_409(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        response = await client.post(BASE, json={**NEW, "code": "DLH"}, headers=headers)
        assert response.status_code == 409

    @pytest.mark.parametrize(
        "change",
        [
            {"code": "dinsos"},
            {"code": "D"},
            {"name": ""},
            {"cluster": "Social Services"},
            {"valid_from": "2027-01-02", "valid_to": "2027-01-01"},
            {"unknown": 1},
        ],
    )
    async def test_bad_input_is_422_and_changes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        change: dict[str, object],
    ) -> None:
        headers = await admin_headers(session, settings, test_keys)
        response = await client.post(BASE, json={**NEW, **change}, headers=headers)
        assert response.status_code == 422
        assert (await session.scalar(select(Agency.id).where(Agency.code == "DINSOSP3A"))) is None


class TestUpdateAgency:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.patch(f"{BASE}/DLH", json={"name": "X"})).status_code == 401

    async def test_admin_changes_with_if_match(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        etag = (await client.get(f"{BASE}/PUTR")).headers["etag"]
        body = {"name": "Dinas Pekerjaan Umum dan Penataan Ruang", "short_name": "Dinas PUPR"}
        response = await client.patch(f"{BASE}/PUTR", json=body, headers={**headers, "If-Match": etag})
        assert response.status_code == 200
        assert response.json()["short_name"] == "Dinas PUPR"
        assert response.json()["version"] == 2
        assert response.headers["etag"] != etag
        (record,) = await audit_rows(session, "agency.updated")
        assert record.detail["before"] == {
            "name": "Dinas Pekerjaan Umum dan Tata Ruang",
            "short_name": "Dinas PUTR",
        }
        assert record.detail["after"] == body

    async def test_without_if_match_is_428(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        response = await client.patch(f"{BASE}/PUTR", json={"short_name": "PUPR"}, headers=headers)
        assert response.status_code == 428
        star = await client.patch(
            f"{BASE}/PUTR", json={"short_name": "PUPR"}, headers={**headers, "If-Match": "*"}
        )
        assert star.status_code == 412

    async def test_lost_update_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        """Two admins read version 1; the first change wins, the second (same If-Match) gets 412."""
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        etag = (await client.get(f"{BASE}/DLH")).headers["etag"]
        first = await client.patch(
            f"{BASE}/DLH", json={"short_name": "DLH Kota"}, headers={**headers, "If-Match": etag}
        )
        assert first.status_code == 200
        second = await client.patch(
            f"{BASE}/DLH", json={"cluster": "infrastructure"}, headers={**headers, "If-Match": etag}
        )
        assert second.status_code == 412
        assert second.headers["etag"] == first.headers["etag"]
        current = (await client.get(f"{BASE}/DLH")).json()
        assert current["short_name"] == "DLH Kota"
        assert current["cluster"] == "environment_order_safety"

    async def test_a_change_committed_between_read_and_write_is_refused(
        self, session: AsyncSession, clock: FrozenClock
    ) -> None:
        """The UPDATE itself names the version read: a concurrent commit in between cannot be overwritten."""
        await seed_opd(session)
        today = local_date(clock.now())
        agency = await agency_service.get(session, "DLH")
        etag = agency_service.etag_of(agency, today)
        # another transaction commits a change after this one read the row
        await session.execute(
            update(Agency)
            .where(Agency.code == "DLH")
            .values(name="Changed elsewhere", version=Agency.version + 1)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(PreconditionFailed):
            await agency_service.update(
                session,
                agency,
                AgencyUpdate(short_name="DLH Baru"),
                if_match=etag,
                today=today,
                by=Actor.system(),
            )

    async def test_deactivate_with_valid_to_instead_of_delete(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        yesterday = (local_date(clock.now()) - timedelta(days=1)).isoformat()
        etag = (await client.get(f"{BASE}/DISARPUS")).headers["etag"]
        response = await client.patch(
            f"{BASE}/DISARPUS", json={"valid_to": yesterday}, headers={**headers, "If-Match": etag}
        )
        assert response.status_code == 200
        assert response.json()["in_effect"] is False
        assert "DISARPUS" not in {item["code"] for item in (await client.get(BASE)).json()["items"]}
        assert (await client.get(f"{BASE}/DISARPUS")).status_code == 200
        assert (await client.delete(f"{BASE}/DISARPUS", headers=headers)).status_code == 405

    @pytest.mark.parametrize(
        "change", [{"code": "DLH2"}, {"name": None}, {"valid_to": "2000-01-01", "valid_from": "2001-01-01"}]
    )
    async def test_bad_change_is_422(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        change: dict[str, object],
    ) -> None:
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        etag = (await client.get(f"{BASE}/DLH")).headers["etag"]
        response = await client.patch(f"{BASE}/DLH", json=change, headers={**headers, "If-Match": etag})
        assert response.status_code == 422
        assert (await client.get(f"{BASE}/DLH")).json()["version"] == 1

    async def test_valid_to_before_the_stored_valid_from_is_422(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        headers = await admin_headers(session, settings, test_keys)
        etag = (await client.get(f"{BASE}/DLH")).headers["etag"]
        first = await client.patch(
            f"{BASE}/DLH", json={"valid_from": "2020-01-01"}, headers={**headers, "If-Match": etag}
        )
        response = await client.patch(
            f"{BASE}/DLH",
            json={"valid_to": "2019-12-31"},
            headers={**headers, "If-Match": first.headers["etag"]},
        )
        assert response.status_code == 422

    async def test_officer_is_403(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        await seed_opd(session)
        supervisor = await create_staff(session, settings, roles=["supervisor"], agency="DLH")
        etag = (await client.get(f"{BASE}/DLH")).headers["etag"]
        response = await client.patch(
            f"{BASE}/DLH",
            json={"short_name": "DLH Baru"},
            headers={**bearer(test_keys, supervisor), "If-Match": etag},
        )
        assert response.status_code == 403

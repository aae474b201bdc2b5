"""The OPD directory read from svc-identity: conditional GETs, at most every 5 minutes, last good list kept."""

import pytest
from factories import CATEGORIES, new_category, seed_catalogue
from fakes_identity import FakeIdentity
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.identity.client import MAX_AGE, RETRY_INTERVAL, AgencyDirectory
from siantar_complaints.identity.exceptions import AgencyDirectoryUnavailable, UnknownAgency


class TestAgencyDirectory:
    async def test_fetches_once_then_at_most_every_five_minutes(
        self, agency_directory: AgencyDirectory, identity: FakeIdentity
    ) -> None:
        assert MAX_AGE == 300
        assert (await agency_directory.require_usable("DLH")).code == "DLH"
        await agency_directory.require_usable("PUTR")
        identity.now += MAX_AGE - 1
        await agency_directory.require_usable("DLH")
        assert len(identity.requests) == 1
        assert identity.requests[0].url.path == "/identity/v1/agencies"
        assert "if-none-match" not in identity.requests[0].headers

    async def test_conditional_get_and_304_keep_the_list(
        self, agency_directory: AgencyDirectory, identity: FakeIdentity
    ) -> None:
        await agency_directory.agencies()
        identity.now += MAX_AGE
        agencies = await agency_directory.agencies()
        assert identity.requests[1].headers["if-none-match"] == identity.etag()
        assert "DLH" in agencies
        assert len(identity.requests) == 2

    async def test_a_changed_list_replaces_the_old_one(
        self, agency_directory: AgencyDirectory, identity: FakeIdentity
    ) -> None:
        await agency_directory.require_usable("DLH")
        identity.items = [item for item in identity.items if item["code"] != "DLH"]
        identity.now += MAX_AGE
        with pytest.raises(UnknownAgency):
            await agency_directory.require_usable("DLH")

    async def test_identity_down_keeps_the_last_good_list(
        self, agency_directory: AgencyDirectory, identity: FakeIdentity
    ) -> None:
        await agency_directory.agencies()
        identity.down = True
        identity.now += MAX_AGE
        assert (await agency_directory.require_usable("TIRTAULI")).code == "TIRTAULI"
        with pytest.raises(UnknownAgency):
            await agency_directory.require_usable("DINASHANTU")
        with pytest.raises(UnknownAgency):
            await agency_directory.require_usable("DINSOS")  # known, inactive
        assert (await agency_directory.require_known("DINSOS")).active is False
        await agency_directory.agencies()
        assert len(identity.requests) == 2  # the failed attempt also waits five minutes

    async def test_never_fetched_and_identity_down_is_503_then_retried_sooner(
        self, agency_directory: AgencyDirectory, identity: FakeIdentity
    ) -> None:
        identity.down = True
        with pytest.raises(AgencyDirectoryUnavailable):
            await agency_directory.agencies()
        with pytest.raises(AgencyDirectoryUnavailable):
            await agency_directory.agencies()
        assert len(identity.requests) == 1
        identity.down = False
        identity.now += RETRY_INTERVAL
        assert "DLH" in await agency_directory.agencies()

    @pytest.mark.parametrize("content", [b"<html>502</html>", b'{"items": [{"code": 5}]}', b"[]"])
    async def test_a_malformed_answer_counts_as_down(
        self, agency_directory: AgencyDirectory, identity: FakeIdentity, content: bytes
    ) -> None:
        await agency_directory.agencies()
        identity.body = lambda: content  # type: ignore[method-assign]
        identity.now += MAX_AGE
        assert "DLH" in await agency_directory.agencies()


class TestAdminWritesWhileIdentityIsDown:
    async def test_last_good_list_is_used(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], identity: FakeIdentity
    ) -> None:
        await seed_catalogue(session)
        first = await client.post(CATEGORIES, json=new_category(), headers=admin)
        assert first.status_code == 201
        identity.down = True
        identity.now += MAX_AGE + 1
        second = await client.post(CATEGORIES, json=new_category(code="trotoar-2"), headers=admin)
        assert second.status_code == 201
        unknown = await client.post(
            CATEGORIES, json=new_category(code="trotoar-3", opd_code="NOPE"), headers=admin
        )
        assert unknown.status_code == 422
        assert len(identity.requests) == 2

    async def test_no_list_yet_is_503(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], identity: FakeIdentity
    ) -> None:
        await seed_catalogue(session)
        identity.down = True
        response = await client.post(CATEGORIES, json=new_category(), headers=admin)
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/agency-directory-unavailable")
        assert (await client.get(f"{CATEGORIES}/trotoar-rusak")).status_code == 404  # nothing was written

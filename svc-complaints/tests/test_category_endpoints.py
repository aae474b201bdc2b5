"""The public catalogue over HTTP: lists, filters, both languages, ETag and 304; staff-only templates."""

import pytest
from factories import CATEGORIES, get_category, seed_catalogue
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.category.seed import catalogue


class TestListCategories:
    async def test_anonymous_reads_the_active_catalogue(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        (await get_category(session, "aspirasi")).active = False
        await session.flush()
        response = await client.get(CATEGORIES)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=60"
        assert response.headers["etag"].startswith('"')
        codes = [item["code"] for item in response.json()["items"]]
        assert codes == sorted(codes)
        assert "aspirasi" not in codes
        assert {
            "jalan-rusak",
            "lampu-jalan",
            "sampah",
            "air-bersih",
            "pungli",
            "permintaan-informasi",
        } <= set(codes)
        assert len(codes) == len(catalogue().categories) - 1

    async def test_names_and_questions_in_indonesian_and_english(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        items = {item["code"]: item for item in (await client.get(CATEGORIES)).json()["items"]}
        sampah = items["sampah"]
        assert sampah["name"] == {"id": "Sampah", "en": "Rubbish"}
        assert sampah["opd_code"] == "DLH"
        assert sampah["type"] == "pengaduan"
        question = sampah["attributes"][0]
        assert question["description"] == {"id": "Apa masalahnya?", "en": "What is wrong?"}
        assert {"key": "tps-penuh", "name": {"id": "TPS penuh", "en": "Collection point full"}} in question[
            "values"
        ]
        assert "response_templates" not in sampah  # officers' templates are not public

    async def test_if_none_match_answers_304_until_the_catalogue_changes(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        etag = (await client.get(CATEGORIES)).headers["etag"]
        cached = await client.get(CATEGORIES, headers={"If-None-Match": etag})
        assert cached.status_code == 304
        assert cached.content == b""
        assert cached.headers["etag"] == etag
        assert cached.headers["cache-control"] == "public, max-age=60"
        assert (
            await client.get(CATEGORIES, headers={"If-None-Match": f'"other", W/{etag}'})
        ).status_code == 304
        assert (await client.get(CATEGORIES, headers={"If-None-Match": '"other"'})).status_code == 200
        (await get_category(session, "sampah")).name_en = "Rubbish and waste"
        await session.flush()
        changed = await client.get(CATEGORIES, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag

    async def test_filter_by_group_takes_in_subgroups(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        top = {
            i["code"]
            for i in (await client.get(CATEGORIES, params={"group": "infrastruktur"})).json()["items"]
        }
        assert top == {"jalan-rusak", "lampu-jalan", "drainase-banjir", "air-bersih"}
        sub = {
            i["code"]
            for i in (await client.get(CATEGORIES, params={"group": "air-drainase"})).json()["items"]
        }
        assert sub == {"drainase-banjir", "air-bersih"}

    async def test_filter_by_type(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        response = await client.get(CATEGORIES, params={"type": "permintaan_informasi"})
        assert [item["code"] for item in response.json()["items"]] == ["permintaan-informasi"]
        assert (await client.get(CATEGORIES, params={"type": "gossip"})).status_code == 422

    async def test_unknown_group_is_422(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        response = await client.get(
            CATEGORIES, params={"group": "tidak-ada"}, headers={"Accept-Language": "en"}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == "There is no group tidak-ada"

    async def test_include_inactive(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        (await get_category(session, "aspirasi")).active = False
        await session.flush()
        items = (await client.get(CATEGORIES, params={"include_inactive": "true"})).json()["items"]
        assert next(item for item in items if item["code"] == "aspirasi")["active"] is False


class TestGetCategory:
    async def test_anonymous_reads_one_with_its_version_etag(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        response = await client.get(f"{CATEGORIES}/air-bersih")
        assert response.status_code == 200
        body = response.json()
        assert body["name"]["en"] == "Clean water (Tirta Uli)"
        assert body["opd_code"] == "TIRTAULI"
        assert body["sla_class"] == "normatif"
        assert body["version"] == 1
        assert response.headers["etag"] == '"v1"'
        again = await client.get(f"{CATEGORIES}/air-bersih", headers={"If-None-Match": '"v1"'})
        assert again.status_code == 304

    async def test_informational_attributes_are_not_variable(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        attributes = (await client.get(f"{CATEGORIES}/kebakaran")).json()["attributes"]
        emergency = next(a for a in attributes if a["code"] == "darurat")
        assert emergency["variable"] is False
        assert "113" in emergency["description"]["id"]

    async def test_unknown_code_is_404(self, client: AsyncClient, session: AsyncSession) -> None:
        response = await client.get(f"{CATEGORIES}/tidak-ada")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == "Kategori tidak ditemukan"

    @pytest.mark.parametrize("code", ["Sampah", "x", "sampah.rusak", "-sampah"])
    async def test_malformed_code_is_422(self, client: AsyncClient, code: str) -> None:
        assert (await client.get(f"{CATEGORIES}/{code}")).status_code == 422


class TestListCategoryGroups:
    async def test_anonymous_reads_the_tree(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        response = await client.get("/complaints/v1/category-groups")
        assert response.status_code == 200
        groups = {group["code"]: group for group in response.json()["items"]}
        assert groups["infrastruktur"]["parent"] is None
        assert groups["jalan-penerangan"]["parent"] == "infrastruktur"
        assert groups["integritas"]["name"] == {
            "id": "Integritas aparatur",
            "en": "Integrity of public officials",
        }
        etag = response.headers["etag"]
        cached = await client.get("/complaints/v1/category-groups", headers={"If-None-Match": etag})
        assert cached.status_code == 304


class TestGetTemplates:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        response = await client.get(f"{CATEGORIES}/sampah/templates")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.auth(roles=["citizen"])
    async def test_citizen_is_403(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        assert (await client.get(f"{CATEGORIES}/sampah/templates")).status_code == 403

    @pytest.mark.auth(roles=["officer"], agency="DLH")
    async def test_officer_reads_common_and_own_templates(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        response = await client.get(f"{CATEGORIES}/sampah/templates")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        codes = [item["code"] for item in response.json()["items"]]
        assert codes == ["diterima", "perlu-info", "selesai", "dijadwalkan"]
        assert response.json()["items"][0]["body"]["en"].startswith("Thank you")

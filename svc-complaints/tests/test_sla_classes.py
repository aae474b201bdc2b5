"""The SLA classes over HTTP: public, cacheable, budgets from the table."""

from factories import seed_catalogue
from httpx import AsyncClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.sla.models import SlaClass

URL = "/complaints/v1/sla-classes"


class TestListSlaClasses:
    async def test_anonymous_reads_budgets_and_sources(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        response = await client.get(URL)
        assert response.status_code == 200
        items = {item["code"]: item for item in response.json()["items"]}
        assert list(items) == ["ringan", "normatif", "tanpa_inspeksi", "dengan_inspeksi"]
        assert items["normatif"]["follow_up_days"] == 5
        assert items["dengan_inspeksi"]["name"] == {
            "id": "Dengan pemeriksaan lapangan",
            "en": "With field inspection",
        }
        assert "PermenPANRB 5/2025" in items["ringan"]["legal_source"]
        assert (await client.get(URL, headers={"If-None-Match": response.headers["etag"]})).status_code == 304

    async def test_budgets_come_from_the_table(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        await session.execute(update(SlaClass).where(SlaClass.code == "normatif").values(follow_up_days=7))
        items = {item["code"]: item for item in (await client.get(URL)).json()["items"]}
        assert items["normatif"]["follow_up_days"] == 7

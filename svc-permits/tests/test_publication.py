"""Open data (BLDS) and the verification page a phone sees."""

import csv
import io

from helpers import PREFIX, seed_types
from httpx import AsyncClient
from journey import Actors, file_application
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue
from test_application_rules import verification_code

from siantar_shared.testing.tokens import TestKeys


async def test_blds_publishes_billboards_never_persons(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    reklame = await drive_to_issue(client, actors, await file_application(client, actors, "izin-reklame"))
    await drive_to_issue(client, actors, await file_application(client, actors, "sip-dokter"))
    response = await client.get(f"{PREFIX}/open-data/blds.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["PermitNum"] for row in rows] == [reklame["permit"]["number"]]
    assert rows[0]["StatusCurrentMapped"] == "Permit Issued"
    assert rows[0]["OriginalZip"] == "21111"
    assert "CV Maju" not in response.text
    assert "dr. Budi" not in response.text
    body = (await client.get(f"{PREFIX}/open-data/blds.json")).json()
    assert [r["PermitNum"] for r in body["records"]] == [reklame["permit"]["number"]]
    assert "STR-123" not in str(body)


async def test_verification_page_for_a_browser(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await drive_to_issue(client, actors, await file_application(client, actors, "izin-reklame"))
    code = await verification_code(client, actors, app)
    page = await client.get(
        f"{PREFIX}/verify/{code}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert app["permit"]["number"] in page.text
    assert "CV Maju Bersama" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    api = await client.get(f"{PREFIX}/verify/{code}", headers={"Accept": "application/json"})
    assert api.json()["number"] == app["permit"]["number"]

"""SKM after issuance and the index per type for staff."""

from helpers import PREFIX, bearer, seed_types, staff
from httpx import AsyncClient
from journey import APPS, Actors, file_application, ok
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue

from siantar_shared.testing.tokens import TestKeys

ALL_3 = dict.fromkeys(
    (
        "requirements",
        "procedure",
        "duration",
        "cost",
        "product",
        "competence",
        "behaviour",
        "complaints",
        "facilities",
    ),
    3,
)


async def test_survey_once_after_issuance(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await file_application(client, actors, "izin-penelitian")
    assert (
        await client.post(f"{APPS}/{app['id']}/survey", json=ALL_3, headers=actors.applicant())
    ).status_code == 409
    app = await drive_to_issue(client, actors, app)
    other = bearer(test_keys, roles=["citizen"], acr=2)
    assert (await client.post(f"{APPS}/{app['id']}/survey", json=ALL_3, headers=other)).status_code == 404
    assert (
        await client.post(f"{APPS}/{app['id']}/survey", json={**ALL_3, "cost": 4}, headers=actors.applicant())
    ).status_code == 204
    assert (
        await client.post(f"{APPS}/{app['id']}/survey", json=ALL_3, headers=actors.applicant())
    ).status_code == 409
    index = ok(await client.get(f"{PREFIX}/skm/izin-penelitian", headers=staff(test_keys, "supervisor")))
    assert index["responses"] == 1
    assert index["index"] == 77.78  # (8 × 3 + 4) / 9 × 25
    assert index["band"] == "B"
    assert (await client.get(f"{PREFIX}/skm/izin-penelitian", headers=actors.applicant())).status_code == 403

"""Who sees what, as a matrix: every kind of caller against an application, its history, documents, PDF,
the lists and the inbox. Attackers (another citizen, another OPD) see nothing, as if it did not exist."""

import uuid
from typing import Any

import pytest
from helpers import PREFIX, bearer, seed_types, service_token, staff
from httpx import AsyncClient
from journey import APPS, Actors, act, file_application, ok
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_shared.testing.tokens import TestKeys

VISIBLE, HIDDEN, ANONYMOUS = 200, 404, 401


def callers(keys: TestKeys, actors: Actors) -> dict[str, dict[str, str]]:
    return {
        "applicant": actors.applicant(),
        "other citizen": bearer(keys, subject=uuid.uuid4(), roles=["citizen"], acr=2),
        "dpmptsp officer": staff(keys, "officer"),
        "dpmptsp supervisor": staff(keys, "supervisor"),
        "technical opd (PUTR, tasked)": staff(keys, "officer", "PUTR"),
        "other opd (DINKES)": staff(keys, "officer", "DINKES"),
        "putr without staff role": bearer(keys, roles=["citizen"], agency="PUTR", acr=2),
        "integration service": service_token(keys),
        "anonymous": {},
    }


EXPECTED = {
    "applicant": VISIBLE,
    "other citizen": HIDDEN,
    "dpmptsp officer": VISIBLE,
    "dpmptsp supervisor": VISIBLE,
    "technical opd (PUTR, tasked)": VISIBLE,
    "other opd (DINKES)": HIDDEN,
    "putr without staff role": HIDDEN,
    "integration service": HIDDEN,
    "anonymous": ANONYMOUS,
}


@pytest.fixture
async def reklame(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> tuple[Actors, dict[str, Any]]:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await file_application(client, actors, "izin-reklame")
    app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
    app = ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
    assert app["state"] == "technical_review"  # PUTR now has a task on it
    return actors, app


async def test_reading_matrix(
    client: AsyncClient, test_keys: TestKeys, reklame: tuple[Actors, dict[str, Any]]
) -> None:
    """Every caller against the application, its history, its documents and the list (one application
    filed once: filing is the slow part)."""
    actors, app = reklame
    document = ok(await client.get(f"{APPS}/{app['id']}/documents", headers=actors.applicant()))["items"][0][
        "id"
    ]
    seen: dict[tuple[str, str], int] = {}
    for caller, headers in callers(test_keys, actors).items():
        for resource in ("", "/history", "/documents", f"/documents/{document}"):
            seen[caller, resource] = (
                await client.get(f"{APPS}/{app['id']}{resource}", headers=headers)
            ).status_code
        listing = await client.get(APPS, headers=headers)
        if listing.status_code == 200:
            listed = [item["id"] for item in listing.json()["items"]] == [app["id"]]
            seen[caller, "list"] = VISIBLE if listed else HIDDEN
        else:
            seen[caller, "list"] = listing.status_code
    expected = {
        (caller, r): EXPECTED[caller]
        for caller in EXPECTED
        for r in ("", "/history", "/documents", f"/documents/{document}", "list")
    }
    assert seen == expected


ACTS = [
    ("applicant", "completeness", {"complete": True}),
    ("other citizen", "withdraw", {}),
    ("dpmptsp officer", "recommendation", {"decision": "recommend", "letter_number": "X"}),
    ("other opd (DINKES)", "recommendation", {"decision": "recommend", "letter_number": "X"}),
    ("technical opd (PUTR, tasked)", "reject", {"reasons": ["x"]}),
    ("integration service", "reject", {"reasons": ["x"]}),
]


async def test_acting_matrix(
    client: AsyncClient, test_keys: TestKeys, reklame: tuple[Actors, dict[str, Any]]
) -> None:
    """Wrong actors are refused (403 for the ones who can see it, 404 for those who cannot); nothing changes."""
    actors, app = reklame
    for caller, path, body in ACTS:
        response = await act(client, app, path, callers(test_keys, actors)[caller], body)
        assert response.status_code == (404 if EXPECTED[caller] == HIDDEN else 403), (caller, path)
    after = ok(await client.get(f"{APPS}/{app['id']}", headers=actors.applicant()))
    assert (after["state"], after["version"]) == (app["state"], app["version"])


async def test_inbox_is_per_opd(
    client: AsyncClient, test_keys: TestKeys, reklame: tuple[Actors, dict[str, Any]]
) -> None:
    _, app = reklame
    putr = ok(await client.get(f"{PREFIX}/tasks", headers=staff(test_keys, "officer", "PUTR")))["items"]
    assert [t["application_id"] for t in putr] == [app["id"]]
    assert (
        ok(await client.get(f"{PREFIX}/tasks", headers=staff(test_keys, "officer", "DINKES")))["items"] == []
    )
    citizen = await client.get(f"{PREFIX}/tasks", headers=bearer(test_keys, roles=["citizen"], acr=2))
    assert citizen.status_code == 403

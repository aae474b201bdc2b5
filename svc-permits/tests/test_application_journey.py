"""Every seeded local type from draft to a QR-verifiable permit, through HTTP; the OSS/BLDS mappings."""

import uuid
from typing import Any

import pytest
from helpers import PREFIX, seed_types, staff
from httpx import AsyncClient
from journey import APPS, FORMS, Actors, act, file_application, ok
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.permit_type.seed import catalogue
from siantar_shared.testing.tokens import TestKeys


def definition(code: str) -> Any:
    return next(t.definition for t in catalogue().types if t.code == code)


async def drive_to_issue(client: AsyncClient, actors: Actors, app: dict[str, Any]) -> dict[str, Any]:
    code = app["type"]
    d = definition(code)
    app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
    assert app["state"] == "verification"
    assert app["oss_status"] == "10"
    app = ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
    if d.technical_opd:
        assert app["state"] == "technical_review"
        tech = staff(actors.keys, "officer", d.technical_opd)
        inbox = ok(await client.get(f"{PREFIX}/tasks", headers=tech))["items"]
        assert [t["application_id"] for t in inbox] == [app["id"]]
        app = ok(
            await act(
                client, app, "recommendation", tech, {"decision": "recommend", "letter_number": "REK/1"}
            )
        )
    if d.inspection_required:
        assert app["state"] == "inspection"
        assert app["blds_status"] == "Inspection Phase"
        inspector = uuid.uuid4()
        tech = staff(actors.keys, "officer", d.technical_opd or "DPMPTSP")
        app = ok(
            await act(
                client,
                app,
                "inspection/schedule",
                tech,
                {"inspector_id": str(inspector), "scheduled_for": "2026-12-01T09:00:00+07:00"},
            )
        )
        me = staff(actors.keys, "inspector", d.technical_opd or "DPMPTSP", subject=inspector)
        app = ok(
            await act(client, app, "inspection/result", me, {"result": "passed", "notes": "Sesuai gambar"})
        )
    assert app["state"] == "approval"
    for role in d.approval_chain:
        assert app["approval_role"] == role
        app = ok(await act(client, app, "approval", actors.officer(role), {"decision": "approve"}))
    assert app["state"] == "issued"
    assert app["oss_status"] == "50"
    return app


@pytest.mark.parametrize("code", sorted(FORMS))
async def test_journey_of_each_local_type(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys, code: str
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await file_application(client, actors, code)
    assert app["state"] == "submitted"
    assert app["oss_status"] == "09"
    assert app["sla"]["due_at"] is not None
    app = await drive_to_issue(client, actors, app)
    permit = app["permit"]
    assert permit["number"].startswith(("503/0001/", "070/0001/"))
    assert definition(code).number_code in permit["number"]
    pdf = await client.get(f"{APPS}/{app['id']}/permit.pdf", headers=actors.applicant())
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    history = ok(await client.get(f"{APPS}/{app['id']}/history", headers=actors.applicant()))["items"]
    assert history[0]["action"] == "create"
    assert history[-1]["action"] == "issue"
    assert all(entry["created_at"] for entry in history)


async def test_status_mappings(client: AsyncClient) -> None:
    body = ok(await client.get(f"{PREFIX}/status-mappings"))
    states = {s["state"]: s for s in body["states"]}
    assert states["returned"]["oss_kd_status"] == "41"
    assert states["deemed_approved"]["oss_kd_status"] == "57"
    assert states["issued"]["blds_status_current_mapped"] == "Permit Issued"
    assert body["transitions"]["resubmit"] == "42"

"""The periodic jobs: SLA flags, fiktif positif, expiry and its warning."""

import uuid
from datetime import timedelta

from helpers import events, seed_types
from httpx import AsyncClient
from journey import APPS, Actors, act, file_application, ok
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue

from siantar_permits.application.models import Application
from siantar_permits.jobs import EXPIRING_EVENT, permit_expiry, sla_sweep
from siantar_permits.permit.models import Permit
from siantar_shared.db import utcnow
from siantar_shared.testing.tokens import TestKeys


async def test_fiktif_positif_only_where_the_type_allows(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    reklame = await file_application(client, actors, "izin-reklame")  # fiktif positif on
    sip = await file_application(client, actors, "sip-dokter")  # off
    for app in (reklame, sip):
        app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
        ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
    later = utcnow() + timedelta(days=30)
    counts = await sla_sweep(session, later)
    assert counts == {"flagged": 1, "deemed_approved": 1}
    reklame = ok(await client.get(f"{APPS}/{reklame['id']}", headers=actors.applicant()))
    assert reklame["state"] == "deemed_approved"
    assert reklame["oss_status"] == "57"
    sip = ok(await client.get(f"{APPS}/{sip['id']}", headers=actors.applicant()))
    assert sip["state"] == "technical_review"
    assert sip["sla"]["flag"] == "breached"
    assert await sla_sweep(session, later) == {"flagged": 0, "deemed_approved": 0}
    issued = ok(await act(client, reklame, "issue", actors.officer("supervisor")))
    assert issued["state"] == "issued"
    assert issued["permit"]["number"].startswith("503/0001/REKL/")


async def test_expiry_warning_then_expired(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await drive_to_issue(client, actors, await file_application(client, actors, "izin-penelitian"))
    app_id = uuid.UUID(app["id"])
    now = utcnow()
    soon = (now + timedelta(days=10)).date()
    await session.execute(update(Permit).where(Permit.application_id == app_id).values(valid_until=soon))
    assert await permit_expiry(session, now) == {"expired": 0, "warned": 1}
    assert await permit_expiry(session, now) == {"expired": 0, "warned": 0}
    [event] = await events(session, EXPIRING_EVENT)
    assert event.data["valid_until"] == soon.isoformat()
    assert await permit_expiry(session, now + timedelta(days=11)) == {"expired": 1, "warned": 0}
    state = await session.scalar(
        Application.__table__.select().with_only_columns(Application.state).where(Application.id == app_id)
    )
    assert state == "expired"

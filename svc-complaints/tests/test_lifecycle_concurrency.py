"""Two officers changing one complaint at once: one wins, the other gets 412 and nothing of theirs is written.

- On both databases: an officer and the OPD's supervisor both read version 1; the first change lands; the
  second, still naming "v1", is refused by the If-Match check.
- On PostgreSQL, truly at once: two requests on two connections of a database of their own, held at a barrier
  after their If-Match checks passed (both read version 1), then let go together. The UPDATEs are
  conditional on the version (`version_id_col`): the second waits for the first's row lock, finds the version
  moved on, and StaleDataError becomes the 412. (SQLite serialises writers differently: a write racing a
  committed one fails with "database is locked"; SQLite is for development only.)
"""

import asyncio
from typing import Any

import httpx
import pytest
from factories import create_complaint, seed_catalogue
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_lifecycle_support import BASE, Cast, complaint_in, events_of, reload, timeline

from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.lifecycle import service
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.models import platform
from siantar_shared.testing.databases import sessions_of_fresh_database
from siantar_shared.testing.plugin import StateInjector
from siantar_shared.testing.tokens import TestKeys


async def test_second_change_on_the_same_version_is_412(
    client: httpx.AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_catalogue(session)
    cast = Cast(test_keys)
    complaint = await complaint_in(session, "dispositioned", cast=cast)
    read = complaint.version
    first = await client.post(
        f"{BASE}/{complaint.id}/actions/start", json={}, headers=cast.officer.headers(version=read)
    )
    second = await client.post(  # the OPD's supervisor, who may act on it whoever is assigned
        f"{BASE}/{complaint.id}/actions/start", json={}, headers=cast.supervisor.headers(version=read)
    )
    assert (first.status_code, second.status_code) == (200, 412)
    saved = await reload(session, complaint)
    assert saved.assigned_officer_id == cast.officer.subject
    assert [e.actor_id for e in await timeline(session, complaint)] == [cast.officer.subject]
    assert len(await events_of(session, complaint)) == 1


@pytest.mark.postgres
async def test_two_officers_at_once(
    app: FastAPI,
    app_state: dict[str, Any],
    alembic_ini: Any,
    test_keys: TestKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cast = Cast(test_keys)
    async with sessions_of_fresh_database("lifecycle_race", alembic_ini) as sessionmaker:
        async with sessionmaker() as setup, setup.begin():
            await seed_catalogue(setup)
            complaint = await create_complaint(
                setup, status="dispositioned", reporter_id=cast.reporter.subject
            )
        barrier = asyncio.Barrier(2)
        begin = service.begin

        async def begin_then_wait(*args: Any, **kwargs: Any) -> service.Change:
            change = await begin(*args, **kwargs)  # both pass their If-Match check on version 1
            await barrier.wait()
            return change

        monkeypatch.setattr(service, "begin", begin_then_wait)
        transport = httpx.ASGITransport(app=StateInjector(app, {**app_state, "sessionmaker": sessionmaker}))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            path = f"{BASE}/{complaint.id}/actions/start"
            responses = await asyncio.gather(
                client.post(path, json={"note": "saya"}, headers=cast.officer.headers(complaint)),
                client.post(path, json={"note": "saya juga"}, headers=cast.officer2.headers(complaint)),
            )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 412], [r.text for r in responses]
        winner = (cast.officer, cast.officer2)[[r.status_code for r in responses].index(200)]
        loser = next(r for r in responses if r.status_code == 412)
        expected = service.stale().detail
        assert loser.json()["detail"] in (expected.id, expected.en)  # type: ignore[union-attr]  # the race, not If-Match
        async with sessionmaker() as check:
            saved = (await check.scalars(select(Complaint).where(Complaint.id == complaint.id))).one()
            assert saved.status == "in_progress"
            assert saved.assigned_officer_id == winner.subject
            assert saved.version == complaint.version + 1
            entries = list(await check.scalars(select(ComplaintUpdate)))
            assert [(e.actor_id, e.to_status) for e in entries] == [(winner.subject, "in_progress")]
            assert len(list(await check.scalars(select(platform.outbox_event)))) == 1
            assert len(list(await check.scalars(select(NotificationOutbox)))) == 1  # the reporter, once

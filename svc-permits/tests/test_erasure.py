"""Erasure reported by identity's feed: applications pseudonymised, issued permits kept with their basis."""

import uuid
from typing import Any

from helpers import seed_types
from httpx import AsyncClient
from journey import Actors, file_application
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue

from siantar_permits.application.models import Application
from siantar_permits.erasure.service import ERASED_EVENT, REMOVED, consume
from siantar_shared.db import utcnow
from siantar_shared.storage import Storage
from siantar_shared.testing.tokens import TestKeys


def feed(events: list[dict[str, Any]]) -> Any:
    """Identity's feed as pages of one event each (positions 1..n)."""
    calls: list[int] = []

    async def fetch(after: int) -> tuple[list[dict[str, Any]], int]:
        calls.append(after)
        page = events[after : after + 1]
        return page, after + len(page)

    fetch.calls = calls  # type: ignore[attr-defined]
    return fetch


async def test_erasure_pseudonymises_and_keeps_what_law_requires(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys, app_state: dict[str, Any]
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    issued = await drive_to_issue(client, actors, await file_application(client, actors, "sip-bidan"))
    pending = await file_application(client, actors, "izin-penelitian")
    storage: Storage = app_state["storage"]
    other = {
        "type": "id.go.pematangsiantar.identity.account.created",
        "data": {"subject_id": str(uuid.uuid4())},
    }
    erased = {"type": ERASED_EVENT, "data": {"subject_id": str(actors.applicant_id)}}
    fetch = feed([other, erased])
    assert await consume(session, storage, fetch, utcnow()) == 2
    rows = {str(a.id): a for a in await session.scalars(select(Application))}
    kept, gone = rows[issued["id"]], rows[pending["id"]]
    assert kept.applicant_id is None
    assert kept.applicant_name == "CV Maju Bersama"  # on the permit as issued: kept by law
    assert kept.retention_basis is not None
    assert "Kearsipan" in kept.retention_basis
    assert kept.form["nomor_str"] == REMOVED
    assert gone.applicant_name == REMOVED
    assert gone.state == "withdrawn"
    assert gone.form["nama_peneliti"] == REMOVED
    assert gone.form["judul"] == "Kualitas air"
    assert await consume(session, storage, fetch, utcnow()) == 0  # the cursor moved past both

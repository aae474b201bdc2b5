"""Two officers at once: both read version v; the first UPDATE wins, the second's UPDATE (conditional on v)
matches no row and answers 412 with nothing of its change kept."""

import uuid

import pytest
from helpers import seed_types
from httpx import AsyncClient
from journey import Actors, act, file_application, ok
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import service
from siantar_permits.application.models import Application, ApplicationEvent
from siantar_permits.application.schemas import Completeness
from siantar_shared.auth import Principal, Role
from siantar_shared.db import utcnow
from siantar_shared.errors import PreconditionFailed
from siantar_shared.testing.tokens import TestKeys


async def test_the_race_is_decided_by_the_conditional_update(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    filed = await file_application(client, actors, "sipa")
    app_id = uuid.UUID(filed["id"])
    mine = await session.get(Application, app_id)
    assert mine is not None
    read_version = mine.version
    # the other officer's change commits between our read and our write
    await session.execute(
        update(Application)
        .where(Application.id == app_id)
        .values(version=read_version + 1, state="verification")
        .execution_options(synchronize_session=False)
    )
    officer = Principal(
        subject=uuid.uuid4(), client_id="t", roles=frozenset({Role.officer}), agency="DPMPTSP", acr=2
    )
    with pytest.raises(PreconditionFailed):
        async with session.begin_nested():  # our request's transaction: rolled back by the 412
            await service.completeness(
                session, mine, Completeness(complete=True), officer, f'"v{read_version}"', utcnow()
            )
    actions = list(
        await session.scalars(
            select(ApplicationEvent.action).where(ApplicationEvent.application_id == app_id)
        )
    )
    assert actions[0] == "create"
    assert "submit" in actions
    assert "complete" not in actions
    version = await session.scalar(
        select(Application.version).where(Application.id == app_id).execution_options(populate_existing=True)
    )
    assert version == read_version + 1


async def test_same_etag_twice_over_http(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await file_application(client, actors, "sipa")
    first = await act(client, app, "completeness", actors.officer(), {"complete": True})
    second = await act(client, app, "completeness", actors.officer(), {"complete": False, "note": "x"})
    assert (first.status_code, second.status_code) == (200, 412)
    assert (
        ok(await client.get(f"/permits/v1/applications/{app['id']}", headers=actors.applicant()))["state"]
        == "verification"
    )

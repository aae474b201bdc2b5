import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from siantar_shared.db import make_sessionmaker
from siantar_shared.events import emit
from siantar_shared.platform_models import PlatformModels

EVENTS = "/testsvc/v1/events"
CREATED = "id.go.pematangsiantar.testsvc.widget.created"


async def emit_some(session: AsyncSession, platform: PlatformModels, n: int) -> list[Any]:
    return [
        await emit(session, platform, type=CREATED, subject=f"w{i}", data={"i": i}, source="/testsvc")
        for i in range(n)
    ]


class TestEmit:
    async def test_positions_increase_by_one(self, session: AsyncSession, platform: PlatformModels) -> None:
        events = await emit_some(session, platform, 3)
        positions = [event.position for event in events]
        assert positions == list(range(positions[0], positions[0] + 3))

    async def test_rolled_back_with_its_transaction(
        self, session: AsyncSession, platform: PlatformModels
    ) -> None:
        (kept,) = await emit_some(session, platform, 1)
        savepoint = await session.begin_nested()
        await emit_some(session, platform, 2)
        await savepoint.rollback()

        assert list(await session.scalars(select(platform.outbox_event.position))) == [kept.position]
        (after,) = await emit_some(session, platform, 1)
        assert after.position == kept.position + 1  # no gap

    async def test_data_is_made_json(self, session: AsyncSession, platform: PlatformModels) -> None:
        subject = UUID("0b6d8f1e-59a1-4f55-9a4e-3f0e8d3c2a10")
        event = await emit(
            session, platform, type=CREATED, subject=None, data={"by": subject}, source="/testsvc"
        )
        assert event.data == {"by": str(subject)}

    @pytest.mark.parametrize("event_type", ["WidgetCreated", "widget.created", "id.go.Siantar.x.y"])
    async def test_type_must_be_reverse_dns(
        self, session: AsyncSession, platform: PlatformModels, event_type: str
    ) -> None:
        with pytest.raises(ValueError, match="reverse-DNS"):
            await emit(session, platform, type=event_type, subject=None, data={}, source="/testsvc")


class TestFeed:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get(EVENTS)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.auth(roles=["citizen"])
    async def test_citizen_is_403(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(EVENTS)).status_code == 403

    @pytest.mark.auth(roles=["service"])
    async def test_pages_through_cloudevents(
        self, client: httpx.AsyncClient, session: AsyncSession, platform: PlatformModels
    ) -> None:
        events = await emit_some(session, platform, 5)
        start = events[0].position - 1
        pages = []
        cursor = str(start)
        for _ in range(4):
            page = (await client.get(EVENTS, params={"after": cursor, "limit": 2})).json()
            pages.append(page)
            cursor = page["next_cursor"]

        assert [[item["subject"] for item in page["items"]] for page in pages] == [
            ["w0", "w1"],
            ["w2", "w3"],
            ["w4"],
            [],
        ]
        assert [page["next_cursor"] for page in pages] == [str(start + n) for n in (2, 4, 5, 5)]
        first = pages[0]["items"][0]
        assert set(first) == {
            "specversion",
            "id",
            "source",
            "type",
            "subject",
            "time",
            "datacontenttype",
            "data",
        }
        assert first["specversion"] == "1.0"
        assert first["id"] == str(events[0].id)
        assert (first["source"], first["type"], first["datacontenttype"]) == (
            "/testsvc",
            CREATED,
            "application/json",
        )
        assert first["data"] == {"i": 0}
        assert datetime.fromisoformat(first["time"]) == events[0].time
        assert first["time"].endswith("Z")

    @pytest.mark.auth(roles=["service"])
    async def test_an_endpoint_emits_in_its_transaction(self, client: httpx.AsyncClient) -> None:
        created = (await client.post("/testsvc/v1/widgets", json={"name": "a"})).json()
        page = (await client.get(EVENTS)).json()

        assert [item["subject"] for item in page["items"]] == [created["id"]]
        assert page["items"][0]["data"]["name"] == "a"
        assert UUID(page["items"][0]["data"]["by"])  # the caller's subject, made JSON
        assert page["next_cursor"] != "0"

    @pytest.mark.auth(roles=["service"])
    async def test_subject_is_left_out_when_none(
        self, client: httpx.AsyncClient, session: AsyncSession, platform: PlatformModels
    ) -> None:
        await emit(session, platform, type=CREATED, subject=None, data={"x": None}, source="/testsvc")
        (item,) = (await client.get(EVENTS)).json()["items"]
        assert "subject" not in item
        assert item["data"] == {"x": None}

    @pytest.mark.auth(roles=["service"])
    async def test_empty_feed_keeps_the_cursor(self, client: httpx.AsyncClient) -> None:
        assert (await client.get(EVENTS)).json() == {"items": [], "next_cursor": "0"}
        assert (await client.get(EVENTS, params={"after": 41})).json() == {"items": [], "next_cursor": "41"}

    @pytest.mark.auth(roles=["service"])
    @pytest.mark.parametrize(
        "params", [{"after": "abc"}, {"after": "-1"}, {"after": str(2**63)}, {"limit": "0"}, {"limit": "501"}]
    )
    async def test_bad_cursor_or_limit_is_422(
        self, client: httpx.AsyncClient, params: dict[str, str]
    ) -> None:
        response = await client.get(EVENTS, params=params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
async def committed(
    engine: AsyncEngine, platform: PlatformModels
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions that really commit, each on its own connection; the outbox is emptied after."""
    sessionmaker = make_sessionmaker(engine)
    yield sessionmaker
    async with sessionmaker.begin() as session:
        await session.execute(delete(platform.outbox_event))
        await session.execute(delete(platform.outbox_sequence))


async def test_a_second_emitter_waits_for_the_first_to_commit(
    committed: async_sessionmaker[AsyncSession], platform: PlatformModels
) -> None:
    async def emit_and_commit() -> int:
        async with committed.begin() as session:
            (event,) = await emit_some(session, platform, 1)
        return int(event.position)

    async with committed.begin() as first:
        (event,) = await emit_some(first, platform, 1)
        second = asyncio.create_task(emit_and_commit())
        await asyncio.sleep(0.3)
        assert not second.done()  # blocked on the sequence row until `first` commits
    assert await second == event.position + 1

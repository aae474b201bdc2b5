"""Erasure: identity's feed reports an account erased; its traces here are pseudonymised once, the complaints
stay, the cursor moves with the work, and a feed that fails leaves everything as it was."""

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from factories import create_complaint, events, seed_catalogue
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint, ComplaintFollow, ComplaintRating, ComplaintUpdate
from siantar_complaints.erasure import service
from siantar_complaints.erasure.models import ErasedAccount, FeedCursor
from siantar_complaints.moderation.models import ModerationFlag
from siantar_shared.testing.plugin import save


class FakeFeed:
    """identity's `/identity/v1/events` with a list of events, paged as the shared events router pages."""

    def __init__(self, events: list[dict[str, Any]], *, status: int = 200) -> None:
        self.events = events
        self.status = status
        self.calls: list[dict[str, Any]] = []

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        assert path == "/identity/v1/events"
        params = params or {}
        self.calls.append(params)
        if self.status != 200:
            return httpx.Response(self.status, json={"title": "down"})
        after, limit = int(params["after"]), int(params["limit"])
        items = [e for e in self.events if e["position"] > after][:limit]
        cursor = str(items[-1]["position"] if items else after)
        return httpx.Response(200, json={"items": [_cloud(e) for e in items], "next_cursor": cursor})


def _cloud(event: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in event.items() if key != "position"}


def erased(position: int, account: UUID) -> dict[str, Any]:
    return {
        "position": position, "specversion": "1.0", "id": str(uuid4()), "source": "/identity",
        "type": service.ERASED_EVENT, "subject": str(account), "time": "2026-11-28T00:00:00Z",
        "datacontenttype": "application/json", "data": {"subject_id": str(account)},
    }  # fmt: skip


def other(position: int) -> dict[str, Any]:
    return {**erased(position, uuid4()), "type": "id.go.pematangsiantar.identity.account.created"}


@pytest.fixture
async def traces(session: AsyncSession) -> dict[str, Any]:
    """Account X's complaint, reply, follow of another complaint, rating and flag; and Y's complaint."""
    await seed_catalogue(session)
    x, y = uuid4(), uuid4()
    own = await create_complaint(session, reporter_id=x, identity_visibility="public")
    followed = await create_complaint(session, reporter_id=y, follower_count=1)
    await save(session, ComplaintFollow(complaint_id=followed.id, account_id=x))
    reply = await save(
        session,
        ComplaintUpdate(
            complaint_id=own.id, kind="citizen_reply", visibility="participants",
            note="Nomor saya 0812-1111-2222", actor_id=x, actor_role="citizen", data={},
        ),
    )  # fmt: skip
    rating = await save(session, ComplaintRating(complaint_id=own.id, score=4, reasons=[], rated_by_id=x))
    flag = await save(
        session, ModerationFlag(complaint_id=followed.id, reason="spam", note="", flagged_by_id=x)
    )
    return {"x": x, "y": y, "own": own, "followed": followed, "reply": reply, "rating": rating, "flag": flag}


async def test_erased_account_is_pseudonymised_and_complaints_stay(
    session: AsyncSession, traces: dict[str, Any]
) -> None:
    feed = FakeFeed([other(1), erased(2, traces["x"]), other(3)])
    assert await service.follow_feed(session, feed) == 1
    own: Complaint = traces["own"]
    version = own.version
    for row in ("own", "followed", "reply", "rating", "flag"):
        await session.refresh(traces[row])
    assert own.reporter_id is None
    assert own.reporter_kind == "citizen"
    assert own.title == "Lampu jalan mati"
    assert own.version == version + 1  # its ETag changes
    assert traces["reply"].note == service.ERASED_TEXT
    assert traces["reply"].actor_id is None
    assert traces["rating"].rated_by_id is None
    assert traces["rating"].score == 4
    assert traces["flag"].flagged_by_id is None
    assert traces["followed"].follower_count == 0
    assert traces["followed"].reporter_id == traces["y"]
    follows = await session.scalars(select(ComplaintFollow).where(ComplaintFollow.account_id == traces["x"]))
    assert follows.all() == []
    record = (await session.scalars(select(ErasedAccount))).one()
    assert record.account_id == traces["x"]
    assert record.counts["complaints_reported"] == 1
    assert record.counts["follows"] == 1
    (event,) = await events(session, service.PSEUDONYMISED_EVENT)
    assert event.subject == str(traces["x"])
    cursor = await session.get(FeedCursor, service.CURSOR)
    assert cursor is not None
    assert cursor.position == 3


async def test_redelivery_and_rerun_do_nothing_twice(session: AsyncSession, traces: dict[str, Any]) -> None:
    feed = FakeFeed([erased(1, traces["x"]), erased(2, traces["x"])])
    assert await service.follow_feed(session, feed) == 1
    assert await service.follow_feed(session, feed) == 0
    assert feed.calls[-1]["after"] == 2  # resumed from the stored cursor
    assert len(await events(session, service.PSEUDONYMISED_EVENT)) == 1


async def test_pages_are_followed_to_the_end(
    session: AsyncSession, traces: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "PAGE", 2)
    feed = FakeFeed([other(1), other(2), other(3), erased(4, traces["x"]), other(5)])
    assert await service.follow_feed(session, feed) == 1
    assert [call["after"] for call in feed.calls] == [0, 2, 4, 5]


async def test_feed_down_fails_the_run_and_moves_nothing(
    session: AsyncSession, traces: dict[str, Any]
) -> None:
    with pytest.raises(service.FeedUnavailable):
        await service.follow_feed(session, FakeFeed([erased(1, traces["x"])], status=503))
    await session.refresh(traces["own"])
    assert traces["own"].reporter_id == traces["x"]
    cursor = await session.get(FeedCursor, service.CURSOR)
    assert cursor is None or cursor.position == 0


async def test_a_malformed_page_is_refused(session: AsyncSession) -> None:
    class Broken(FakeFeed):
        async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
            return httpx.Response(200, json={"items": "nope"})

    with pytest.raises(service.FeedUnavailable):
        await service.follow_feed(session, Broken([]))

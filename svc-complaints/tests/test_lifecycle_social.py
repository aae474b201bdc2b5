"""Following ("me too") and rating through HTTP, and who is notified of a change."""

from datetime import UTC, datetime, timedelta

import pytest
from factories import seed_catalogue
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from test_lifecycle_support import BASE, Caller, Cast, complaint_in, outbox, reload, timeline

from siantar_complaints.complaint.models import Complaint, ComplaintFollow, ComplaintRating
from siantar_shared.testing.tokens import TestKeys


@pytest.fixture
async def cast(test_keys: TestKeys, session: AsyncSession) -> Cast:
    await seed_catalogue(session)
    return Cast(test_keys)


def follow_url(complaint: Complaint) -> str:
    return f"{BASE}/{complaint.id}/follow"


def rating_url(complaint: Complaint) -> str:
    return f"{BASE}/{complaint.id}/rating"


async def follows(session: AsyncSession, complaint: Complaint) -> int:
    statement = (
        select(func.count()).select_from(ComplaintFollow).where(ComplaintFollow.complaint_id == complaint.id)
    )
    return int(await session.scalar(statement) or 0)


class TestFollow:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        assert (await client.post(follow_url(complaint))).status_code == 401

    async def test_follow_twice_counts_once(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        first = await client.post(follow_url(complaint), headers=cast.citizen.headers())
        assert (first.status_code, first.json()) == (201, {"following": True, "follower_count": 1})
        again = await client.post(follow_url(complaint), headers=cast.citizen.headers())
        assert (again.status_code, again.json()) == (200, {"following": True, "follower_count": 1})
        assert await follows(session, complaint) == 1
        saved = await reload(session, complaint)
        assert saved.follower_count == 1
        assert saved.version == complaint.version  # following does not make officers' ETags stale
        gone = await client.delete(follow_url(complaint), headers=cast.citizen.headers())
        assert gone.json() == {"following": False, "follower_count": 0}
        gone = await client.delete(follow_url(complaint), headers=cast.citizen.headers())
        assert gone.json() == {"following": False, "follower_count": 0}
        assert (await reload(session, complaint)).follower_count == 0

    async def test_many_followers_counted_exactly(
        self, client: AsyncClient, session: AsyncSession, cast: Cast, test_keys: TestKeys
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        people = [Caller(test_keys, ["citizen"]) for _ in range(5)]
        for person in people:
            assert (await client.post(follow_url(complaint), headers=person.headers())).status_code == 201
        assert (await reload(session, complaint)).follower_count == 5 == await follows(session, complaint)

    async def test_who_may_not_follow(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        assert (await client.post(follow_url(complaint), headers=cast.reporter.headers())).status_code == 409
        for staff in (cast.officer, cast.verifier, cast.other_officer):
            assert (await client.post(follow_url(complaint), headers=staff.headers())).status_code == 403
        restricted = await complaint_in(session, "in_progress", cast=cast, report_visibility="restricted")
        assert (await client.post(follow_url(restricted), headers=cast.citizen.headers())).status_code == 404
        assert (await client.post(follow_url(restricted), headers=cast.reporter.headers())).status_code == 409
        assert await follows(session, complaint) == 0

    async def test_followers_are_told_of_changes_but_not_of_their_own(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await client.post(follow_url(complaint), headers=cast.citizen.headers())
        response = await client.post(
            f"{BASE}/{complaint.id}/actions/resolve",
            json={"public_update": "Sudah diperbaiki"},
            headers=cast.officer.headers(complaint),
        )
        assert response.status_code == 200
        messages = {(m.recipient_id, m.template) for m in await outbox(session, complaint)}
        assert messages == {
            (cast.reporter.subject, "complaint_resolved"),
            (cast.citizen.subject, "complaint_status_changed"),
        }
        resolved = next(m for m in await outbox(session, complaint) if m.template == "complaint_resolved")
        assert resolved.params["rating_url"].endswith(f"/pengaduan/{complaint.tracking_number}/penilaian")

    async def test_restricted_later_followers_hear_nothing(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await client.post(follow_url(complaint), headers=cast.citizen.headers())
        complaint = await reload(session, complaint)
        complaint.report_visibility = "restricted"
        await session.flush()
        response = await client.post(
            f"{BASE}/{complaint.id}/actions/request-information",
            json={"question": "Nomor rumah?"},
            headers=cast.officer.headers(complaint),
        )
        assert response.status_code == 200
        assert [m.recipient_id for m in await outbox(session, complaint)] == [cast.reporter.subject]


class TestRating:
    async def test_reporter_rates_once(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "resolved", cast=cast)
        body = {"score": 4, "reasons": ["fast", "polite"], "comment": "Cepat"}
        response = await client.post(rating_url(complaint), json=body, headers=cast.reporter.headers())
        assert response.status_code == 201, response.text
        assert response.json()["score"] == 4
        assert response.json()["reasons"] == ["fast", "polite"]
        saved = await reload(session, complaint)
        assert (saved.rating, saved.status) == (4, "resolved")
        again = await client.post(rating_url(complaint), json=body, headers=cast.reporter.headers())
        assert again.status_code == 409
        count = await session.scalar(select(func.count()).select_from(ComplaintRating))
        assert count == 1
        (entry,) = await timeline(session, complaint)
        assert (entry.kind, entry.visibility, entry.data["score"]) == ("rating", "participants", 4)

    async def test_who_and_when(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "resolved", cast=cast)
        for person in (cast.citizen, cast.officer, cast.verifier):
            assert (
                await client.post(rating_url(complaint), json={"score": 5}, headers=person.headers())
            ).status_code == 403
        open_one = await complaint_in(session, "in_progress", cast=cast)
        assert (
            await client.post(rating_url(open_one), json={"score": 5}, headers=cast.reporter.headers())
        ).status_code == 409
        for body in (
            {"score": 0},
            {"score": 6},
            {"score": 3, "reasons": ["bribe"]},
            {"score": 3, "comment": "<i>x</i>"},
        ):
            assert (
                await client.post(rating_url(complaint), json=body, headers=cast.reporter.headers())
            ).status_code == 422
        assert (await reload(session, complaint)).rating is None

    async def test_low_rating_reopens_within_the_window(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "closed", cast=cast)
        high = {"score": 4, "reopen": True}
        assert (
            await client.post(rating_url(complaint), json=high, headers=cast.reporter.headers())
        ).status_code == 422
        low = {"score": 1, "reasons": ["not_solved"], "comment": "Masih mati", "reopen": True}
        response = await client.post(rating_url(complaint), json=low, headers=cast.reporter.headers())
        assert response.status_code == 201, response.text
        assert response.json()["reopened"] is True
        saved = await reload(session, complaint)
        assert (saved.status, saved.rating, saved.reopen_count, saved.sla_stage) == (
            "reopened",
            1,
            1,
            "follow_up",
        )
        kinds = [(e.kind, e.to_status) for e in await timeline(session, complaint)]
        assert kinds == [("status_change", "reopened"), ("rating", None)]

    async def test_low_rating_too_late_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        old = datetime.now(UTC) - timedelta(days=60)
        complaint = await complaint_in(session, "closed", cast=cast, resolved_at=old)
        low = {"score": 1, "reopen": True}
        response = await client.post(rating_url(complaint), json=low, headers=cast.reporter.headers())
        assert response.status_code == 409
        saved = await reload(session, complaint)
        assert (saved.status, saved.rating) == ("closed", None)
        assert await timeline(session, complaint) == []

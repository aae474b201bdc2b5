"""Assigning and reassigning: the officer named must be an active officer (or supervisor) of the complaint's
OPD in identity's staff directory; anyone else is a 422 and nothing is written."""

from typing import Any
from uuid import uuid4

import pytest
from factories import seed_catalogue
from fakes_identity import FakeIdentity
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession
from test_lifecycle_support import BASE, OPD, OTHER_OPD, Caller, Cast, complaint_in, reload, timeline

from siantar_complaints.complaint.models import Complaint
from siantar_shared.testing.tokens import TestKeys


@pytest.fixture
async def cast(test_keys: TestKeys, session: AsyncSession, identity: FakeIdentity) -> Cast:
    await seed_catalogue(session)
    cast = Cast(test_keys)
    cast.register_staff(identity)
    return cast


async def post(
    client: AsyncClient, complaint: Complaint, action: str, officer_id: Any, by: Caller
) -> Response:
    return await client.post(
        f"{BASE}/{complaint.id}/actions/{action}",
        json={"officer_id": str(officer_id)},
        headers=by.headers(complaint),
    )


async def assert_refused(
    session: AsyncSession, complaint: Complaint, response: Response, reason: str, *, officer: Any = None
) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/invalid-assignee")
    assert problem["reason"] == reason
    saved = await reload(session, complaint)
    assert (saved.version, saved.assigned_officer_id) == (complaint.version, officer)
    assert await timeline(session, complaint) == []


class TestAssign:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await client.post(
            f"{BASE}/{complaint.id}/actions/assign", json={"officer_id": str(cast.officer.subject)}
        )
        assert response.status_code == 401

    async def test_an_officer_of_the_opd(
        self, client: AsyncClient, session: AsyncSession, cast: Cast, identity: FakeIdentity
    ) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", cast.officer.subject, cast.supervisor)
        assert response.status_code == 200, response.text
        assert (await reload(session, complaint)).assigned_officer_id == cast.officer.subject
        assert identity.staff_lookups == 1

    async def test_the_supervisor_may_take_it_themselves(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", cast.supervisor.subject, cast.supervisor)
        assert response.status_code == 200, response.text

    async def test_unknown_subject(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", uuid4(), cast.supervisor)
        await assert_refused(session, complaint, response, "unknown")

    async def test_a_citizen_is_unknown_to_the_directory(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", cast.reporter.subject, cast.supervisor)
        await assert_refused(session, complaint, response, "unknown")

    async def test_a_disabled_officer(
        self, client: AsyncClient, session: AsyncSession, cast: Cast, identity: FakeIdentity
    ) -> None:
        identity.add_staff(cast.officer2.subject, ["officer"], OPD, active=False)
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", cast.officer2.subject, cast.supervisor)
        await assert_refused(session, complaint, response, "inactive")

    @pytest.mark.parametrize("roles", [["inspector"], ["verifier"], ["admin"], ["dpo"]])
    async def test_staff_who_are_not_officers(
        self,
        client: AsyncClient,
        session: AsyncSession,
        cast: Cast,
        identity: FakeIdentity,
        roles: list[str],
    ) -> None:
        someone = uuid4()
        identity.add_staff(someone, roles, OPD)
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", someone, cast.supervisor)
        await assert_refused(session, complaint, response, "role")

    async def test_an_officer_of_another_opd(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        """A supervisor cannot hand the complaint to someone outside their OPD; the answer names the
        complaint's OPD, never the officer's."""
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        for person in (cast.other_officer, cast.other_supervisor):
            response = await post(client, complaint, "assign", person.subject, cast.supervisor)
            await assert_refused(session, complaint, response, "agency")
            assert OTHER_OPD not in response.text
            assert OPD in response.json()["detail"]

    async def test_another_opds_supervisor_is_refused_before_identity_is_asked(
        self, client: AsyncClient, session: AsyncSession, cast: Cast, identity: FakeIdentity
    ) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        response = await post(client, complaint, "assign", cast.other_officer.subject, cast.other_supervisor)
        assert response.status_code == 403
        restricted = await complaint_in(session, "dispositioned", cast=cast, report_visibility="restricted")
        response = await post(client, restricted, "assign", cast.other_officer.subject, cast.other_supervisor)
        assert response.status_code == 404
        assert identity.staff_lookups == 0

    async def test_identity_down_is_503_and_nothing_changes(
        self, client: AsyncClient, session: AsyncSession, cast: Cast, identity: FakeIdentity
    ) -> None:
        complaint = await complaint_in(session, "dispositioned", cast=cast)
        identity.down = True
        response = await post(client, complaint, "assign", cast.officer.subject, cast.supervisor)
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/identity-unavailable")
        assert (await reload(session, complaint)).assigned_officer_id is None
        assert await timeline(session, complaint) == []


class TestReassign:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        response = await client.post(
            f"{BASE}/{complaint.id}/actions/reassign", json={"officer_id": str(cast.officer2.subject)}
        )
        assert response.status_code == 401

    async def test_another_officer_of_the_opd(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        response = await post(client, complaint, "reassign", cast.officer2.subject, cast.supervisor)
        assert response.status_code == 200, response.text
        assert (await reload(session, complaint)).assigned_officer_id == cast.officer2.subject

    async def test_refusals(
        self, client: AsyncClient, session: AsyncSession, cast: Cast, identity: FakeIdentity
    ) -> None:
        disabled, inspector = uuid4(), uuid4()
        identity.add_staff(disabled, ["officer"], OPD, active=False)
        identity.add_staff(inspector, ["inspector"], OPD)
        complaint = await complaint_in(session, "in_progress", cast=cast)
        for officer_id, reason in (
            (uuid4(), "unknown"),
            (disabled, "inactive"),
            (inspector, "role"),
            (cast.other_officer.subject, "agency"),
        ):
            response = await post(client, complaint, "reassign", officer_id, cast.supervisor)
            await assert_refused(session, complaint, response, reason, officer=cast.officer.subject)

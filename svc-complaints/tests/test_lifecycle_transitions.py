"""Transitions through HTTP: each action's happy path and what it writes, the role x action matrix, the state
rules, If-Match, and the attacker's view."""

from typing import Any

import pytest
from factories import seed_catalogue
from fakes_identity import FakeIdentity
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from test_lifecycle_support import (
    BASE,
    OTHER_OPD,
    Caller,
    Cast,
    complaint_in,
    events_of,
    outbox,
    reload,
    timeline,
)

from siantar_complaints.lifecycle.transitions import TRANSITIONS, Action, Party
from siantar_shared.testing.tokens import TestKeys


@pytest.fixture
async def cast(test_keys: TestKeys, session: AsyncSession, identity: FakeIdentity) -> Cast:
    await seed_catalogue(session)
    cast = Cast(test_keys)
    cast.register_staff(identity)
    return cast


def url(complaint: Any, action: str) -> str:
    return f"{BASE}/{complaint.id}/actions/{action}"


# a valid body per action, and a state it starts from
BODIES: dict[Action, dict[str, Any]] = {
    Action.verify: {"note": "Lengkap"},
    Action.reject: {"reason": "Bukan pengaduan pelayanan publik"},
    Action.mark_duplicate: {},  # filled with an original per test
    Action.disposition: {"opd_code": "PUTR", "note": "Jalan kota"},
    Action.assign: {},  # officer filled per test
    Action.reassign: {},
    Action.start: {},
    Action.request_information: {"question": "Mohon kirim foto lampu yang mati."},
    Action.resolve: {"public_update": "Lampu sudah diganti."},
    Action.redirect: {"to": "PLN", "note": "Jaringan PLN"},
    Action.close: {"note": "Terima kasih"},
    Action.reopen: {"reason": "Lampu mati lagi"},
}
START_STATE: dict[Action, str] = {
    Action.verify: "submitted",
    Action.reject: "submitted",
    Action.mark_duplicate: "verified",
    Action.disposition: "verified",
    Action.assign: "dispositioned",
    Action.reassign: "in_progress",
    Action.start: "dispositioned",
    Action.request_information: "in_progress",
    Action.resolve: "in_progress",
    Action.redirect: "verified",
    Action.close: "resolved",
    Action.reopen: "resolved",
}
CALLERS = ["reporter", "citizen", "verifier", "admin", "supervisor", "officer", "officer2", "other_officer"]
# which caller plays which part on a complaint of OPD assigned to `officer` (officer2: same OPD, not assigned)
PARTS: dict[str, set[Party]] = {
    "reporter": {Party.reporter},
    "citizen": set(),
    "verifier": {Party.desk},
    "admin": {Party.desk},
    "supervisor": {Party.supervisor, Party.officer},
    "officer": {Party.officer},
    "officer2": set(),
    "other_officer": set(),
}


async def body_for(action: Action, session: AsyncSession, cast: Cast) -> dict[str, Any]:
    body = dict(BODIES[action])
    if action == Action.mark_duplicate:
        body["of"] = str((await complaint_in(session, "in_progress", cast=cast)).id)
    if action in (Action.assign, Action.reassign):
        body["officer_id"] = str(cast.officer2.subject)
    return body


@pytest.mark.parametrize("action", list(Action))
async def test_role_action_matrix(
    client: AsyncClient, session: AsyncSession, cast: Cast, action: Action
) -> None:
    """Each caller on a public complaint in the action's start state: the allowed parties succeed, the others
    get 403 (they see it) and nothing changes."""
    outcomes: dict[str, int] = {}
    for caller in CALLERS:
        complaint = await complaint_in(session, START_STATE[action], cast=cast)
        body = await body_for(action, session, cast)
        response = await client.post(
            url(complaint, action), json=body, headers=getattr(cast, caller).headers(complaint)
        )
        outcomes[caller] = response.status_code
        if response.status_code == 403:
            assert response.headers["content-type"] == "application/problem+json"
            assert (await reload(session, complaint)).version == complaint.version
            assert await timeline(session, complaint) == []
    expected = {}
    for caller in CALLERS:
        parts = PARTS[caller]
        if caller == "officer2" and START_STATE[action] == "dispositioned":
            parts = {Party.officer}  # nobody assigned yet: any officer of the OPD may take it
        expected[caller] = 200 if parts & TRANSITIONS[action].parties else 403
    assert outcomes == expected


async def test_attacker_view_restricted(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    """Citizen B and the people of another OPD get 404 on citizen A's restricted complaint, for every action
    (anonymous: 401); nothing is written."""
    for action in Action:
        complaint = await complaint_in(
            session, START_STATE[action], cast=cast, report_visibility="restricted"
        )
        body = await body_for(action, session, cast)
        for person in (cast.citizen, cast.other_officer, cast.other_supervisor):
            response = await client.post(url(complaint, action), json=body, headers=person.headers(complaint))
            assert response.status_code == 404, (action, response.text)
        assert (await client.post(url(complaint, action), json=body)).status_code == 401
        assert await timeline(session, complaint) == []


async def test_other_opd_on_public_complaint_is_403(
    client: AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    for action in Action:
        complaint = await complaint_in(session, START_STATE[action], cast=cast)
        body = await body_for(action, session, cast)
        for person in (cast.other_officer, cast.other_supervisor):
            response = await client.post(url(complaint, action), json=body, headers=person.headers(complaint))
            assert response.status_code == 403, (action, response.text)


async def test_wrong_state_is_409(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    for action in Action:
        transition = TRANSITIONS[action]
        state = next(
            s for s in ("closed", "rejected", "submitted", "in_progress") if s not in transition.sources
        )
        complaint = await complaint_in(session, state, cast=cast)
        person = {Party.desk: cast.admin, Party.supervisor: cast.supervisor, Party.officer: cast.officer}.get(
            min(transition.parties), cast.reporter
        )
        if Party.reporter in transition.parties:
            person = cast.reporter
        body = await body_for(action, session, cast)
        response = await client.post(url(complaint, action), json=body, headers=person.headers(complaint))
        assert response.status_code == 409, (action, response.text)
        assert response.json()["allowed_from"] == sorted(transition.sources)
        assert await timeline(session, complaint) == []


async def test_if_match_missing_428_and_stale_412(
    client: AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    complaint = await complaint_in(session, "submitted", cast=cast)
    no_match = {"Authorization": cast.verifier.headers()["Authorization"]}
    assert (await client.post(url(complaint, "verify"), json={}, headers=no_match)).status_code == 428
    stale = cast.verifier.headers(version=complaint.version + 5)
    response = await client.post(url(complaint, "verify"), json={}, headers=stale)
    assert response.status_code == 412
    assert response.headers["ETag"] == f'"v{complaint.version}"'
    assert (await reload(session, complaint)).status == "submitted"


async def test_verify_records_everything(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "submitted", cast=cast)
    before = complaint.last_activity_at
    response = await client.post(
        url(complaint, "verify"), json={"note": "Lengkap"}, headers=cast.verifier.headers(complaint)
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"v{complaint.version + 1}"'
    assert response.json()["status"] == "verified"
    saved = await reload(session, complaint)
    assert saved.status == "verified"
    assert saved.verified_at is not None
    assert saved.last_activity_at > before
    (entry,) = await timeline(session, complaint)
    assert (entry.from_status, entry.to_status, entry.note) == ("submitted", "verified", "Lengkap")
    assert (entry.actor_id, entry.actor_role, entry.actor_client_id) == (
        cast.verifier.subject,
        "verifier",
        "siantar-test-app",
    )
    (event,) = await events_of(session, complaint)
    assert event.type == "id.go.pematangsiantar.complaints.complaint.verified"
    assert event.data["status"] == "verified"
    assert "title" not in event.data
    assert "reporter_id" not in event.data
    (message,) = await outbox(session, complaint)
    assert (message.recipient_id, message.template) == (cast.reporter.subject, "complaint_status_changed")
    assert message.params == {"tracking_number": complaint.tracking_number, "status": "verified"}


async def test_full_life(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    """submitted -> verified -> dispositioned (to PUTR) -> assigned -> in_progress -> waiting -> resolved -> closed."""
    complaint = await complaint_in(session, "submitted", cast=cast)
    version = complaint.version

    async def act(person: Caller, action: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        nonlocal version
        response = await client.post(
            url(complaint, action), json=body, headers=person.headers(version=version)
        )
        assert response.status_code == expect, response.text
        version = response.json()["version"]
        return dict(response.json())

    assert (await act(cast.verifier, "verify", {}))["status"] == "verified"
    state = await act(cast.verifier, "disposition", {"opd_code": "DISHUB"})
    assert state["sla"]["stage"] == "follow_up"
    assert state["sla"]["due_at"] is not None
    assert (await act(cast.supervisor, "assign", {"officer_id": str(cast.officer.subject)}))[
        "status"
    ] == "dispositioned"
    assert (await act(cast.officer, "start", {}))["status"] == "in_progress"
    state = await act(cast.officer, "request-information", {"question": "Di depan nomor berapa?"})
    assert state["status"] == "waiting_for_citizen"
    assert state["sla"]["paused"] is True
    reply = await client.post(
        f"{BASE}/{complaint.id}/updates",
        json={"kind": "citizen_reply", "text": "Nomor 12"},
        headers=cast.reporter.headers(),
    )
    assert reply.status_code == 201, reply.text
    version = int(reply.headers["ETag"].strip('"v'))
    saved = await reload(session, complaint)
    assert saved.status == "in_progress"
    assert saved.sla_paused is False
    state = await act(cast.officer, "resolve", {"public_update": "Lampu sudah diganti."})
    assert state["status"] == "resolved"
    assert state["sla"]["stage"] == "close"
    state = await act(cast.reporter, "close", {"note": "Terima kasih"})
    assert state["status"] == "closed"
    assert state["sla"]["stage"] is None
    templates = [(m.recipient_id, m.template) for m in await outbox(session, complaint)]
    assert (cast.reporter.subject, "complaint_needs_information") in templates
    assert (cast.reporter.subject, "complaint_resolved") in templates
    # the reporter closed it: not told of their own action
    # verified, dispositioned, in_progress (start); not the in_progress of their own reply, nor their close
    assert [t for _, t in templates].count("complaint_status_changed") == 3


async def test_disposition_needs_a_usable_opd(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "verified", cast=cast)
    for code in ("DINSOS", "NOPE"):  # inactive, unknown
        response = await client.post(
            url(complaint, "disposition"), json={"opd_code": code}, headers=cast.verifier.headers(complaint)
        )
        assert response.status_code == 422, response.text
    assert (await reload(session, complaint)).opd_code == "DISHUB"


async def test_disposition_moves_the_queue(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "verified", cast=cast, report_visibility="restricted")
    response = await client.post(
        url(complaint, "disposition"), json={"opd_code": OTHER_OPD}, headers=cast.verifier.headers(complaint)
    )
    assert response.status_code == 200
    # the old OPD no longer sees the restricted complaint, the new one does
    version = response.json()["version"]
    assert (
        await client.get(f"{BASE}/{complaint.id}/updates", headers=cast.officer.headers())
    ).status_code == 404
    assert (
        await client.get(f"{BASE}/{complaint.id}/updates", headers=cast.other_officer.headers())
    ).status_code == 200
    assert version == complaint.version + 1


async def test_mark_duplicate_rules(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "verified", cast=cast)
    dup = await complaint_in(session, "duplicate", cast=cast)
    bad = [str(complaint.id), str(dup.id), "00000000-0000-4000-8000-000000000000"]
    for of in bad:
        response = await client.post(
            url(complaint, "mark-duplicate"), json={"of": of}, headers=cast.verifier.headers(complaint)
        )
        assert response.status_code == 422, (of, response.text)
    original = await complaint_in(session, "in_progress", cast=cast)
    response = await client.post(
        url(complaint, "mark-duplicate"),
        json={"of": str(original.id)},
        headers=cast.verifier.headers(complaint),
    )
    assert response.status_code == 200
    assert response.json()["duplicate_of"] == str(original.id)


async def test_reopen_window(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    from datetime import UTC, datetime, timedelta

    old = await complaint_in(session, "closed", cast=cast, resolved_at=datetime.now(UTC) - timedelta(days=60))
    response = await client.post(
        url(old, "reopen"), json={"reason": "Mati lagi"}, headers=cast.reporter.headers(old)
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("reopen-window-closed")
    recent = await complaint_in(session, "closed", cast=cast)
    response = await client.post(
        url(recent, "reopen"), json={"reason": "Mati lagi"}, headers=cast.reporter.headers(recent)
    )
    assert response.status_code == 200
    assert response.json()["status"] == "reopened"
    assert (await reload(session, recent)).reopen_count == 1


async def test_bad_input(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "submitted", cast=cast)
    headers = cast.verifier.headers(complaint)
    for body in ({"reason": "<b>tidak</b>"}, {"reason": "   "}, {}, {"reason": "x", "extra": 1}):
        assert (await client.post(url(complaint, "reject"), json=body, headers=headers)).status_code == 422
    question = {"question": "x" * 301}
    started = await complaint_in(session, "in_progress", cast=cast)
    response = await client.post(
        url(started, "request-information"), json=question, headers=cast.officer.headers(started)
    )
    assert response.status_code == 422
    response = await client.post(url(started, "resolve"), json={}, headers=cast.officer.headers(started))
    assert response.status_code == 422
    assert response.json()["type"].endswith("invalid-update")
    assert (await reload(session, started)).status == "in_progress"

"""Who is told what through identity's templates, beyond the changes of state: a public update of the OPD
(`complaint_updated`), a question to the reporter and a redirection as status codes for followers, and the
assigned officer's SLA reminder and breach. Never the actor, followers only while the report is public, and
nothing that names a hidden reporter."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from factories import seed_catalogue
from fakes_identity import FakeIdentity
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_lifecycle_support import BASE, OPD, Caller, Cast, complaint_in, outbox, reload

from siantar_complaints.complaint.models import Complaint, ComplaintFollow
from siantar_complaints.identity.exceptions import IdentityUnavailable
from siantar_complaints.identity.services import IdentityServices
from siantar_complaints.lifecycle import delivery, notify, sla_watch
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_shared.testing.tokens import TestKeys

SETTINGS = LifecycleSettings()
TEXT = "Lampu jalan di depan rumah nomor 12 sudah diganti oleh petugas PUTR."


@pytest.fixture
async def cast(test_keys: TestKeys, session: AsyncSession) -> Cast:
    await seed_catalogue(session)
    return Cast(test_keys)


async def followed(session: AsyncSession, complaint: Complaint, *people: Caller) -> None:
    for person in people:
        session.add(ComplaintFollow(complaint_id=complaint.id, account_id=person.subject))
    await session.flush()


async def post(client: AsyncClient, complaint: Complaint, person: Caller, kind: str, text: str) -> Any:
    return await client.post(
        f"{BASE}/{complaint.id}/updates", json={"kind": kind, "text": text}, headers=person.headers()
    )


async def messages(session: AsyncSession, complaint: Complaint) -> set[tuple[Any, str]]:
    return {(m.recipient_id, m.template) for m in await outbox(session, complaint)}


class TestPublicUpdate:
    async def test_reporter_and_followers_told_with_an_excerpt(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await followed(session, complaint, cast.citizen)
        response = await post(client, complaint, cast.officer, "public_update", TEXT)
        assert response.status_code == 201, response.text
        rows = await outbox(session, complaint)
        assert {(m.recipient_id, m.template) for m in rows} == {
            (cast.reporter.subject, "complaint_updated"),
            (cast.citizen.subject, "complaint_updated"),
        }  # not the officer who wrote it
        for row in rows:
            assert row.params == {"tracking_number": complaint.tracking_number, "excerpt": TEXT}
            assert row.status == "pending"

    async def test_hidden_reporter_is_not_named_to_followers(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast, identity_visibility="hidden")
        await followed(session, complaint, cast.citizen)
        assert (await post(client, complaint, cast.officer, "public_update", TEXT)).status_code == 201
        (to_follower,) = [
            m for m in await outbox(session, complaint) if m.recipient_id == cast.citizen.subject
        ]
        assert set(to_follower.params) == {"tracking_number", "excerpt"}
        assert str(cast.reporter.subject) not in str(to_follower.params)

    async def test_restricted_report_tells_only_the_reporter(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await followed(session, complaint, cast.citizen)
        complaint = await reload(session, complaint)
        complaint.report_visibility = "restricted"
        await session.flush()
        assert (await post(client, complaint, cast.officer, "public_update", TEXT)).status_code == 201
        assert await messages(session, complaint) == {(cast.reporter.subject, "complaint_updated")}

    async def test_the_author_is_never_told(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        # an officer who reported the complaint themselves, then handles it
        complaint = await complaint_in(session, "in_progress", cast=cast, reporter_id=cast.officer.subject)
        assert (await post(client, complaint, cast.officer, "public_update", TEXT)).status_code == 201
        assert await outbox(session, complaint) == []

    async def test_long_text_is_one_line_within_the_limit(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        text = "Pekerjaan selesai.\n\nRincian:\n" + "perbaikan saluran\u200b air " * 40
        assert (await post(client, complaint, cast.officer, "public_update", text)).status_code == 201
        (row,) = await outbox(session, complaint)
        excerpt = row.params["excerpt"]
        assert len(excerpt) <= 300
        assert excerpt.startswith("Pekerjaan selesai. Rincian: perbaikan saluran air")
        assert excerpt.endswith("…")
        assert not any(c in excerpt for c in "\n\r\t\u200b")

    async def test_notes_and_replies_are_not_public_updates(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await followed(session, complaint, cast.citizen)
        assert (await post(client, complaint, cast.officer, "internal_note", "Cek gudang")).status_code == 201
        assert (
            await post(client, complaint, cast.reporter, "citizen_reply", "Terima kasih")
        ).status_code == 201
        assert await outbox(session, complaint) == []

    @pytest.mark.parametrize("who", ["citizen", "reporter", "officer2", "other_officer", "verifier"])
    async def test_attacker_cannot_make_messages(
        self, who: str, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await followed(session, complaint, cast.citizen)
        response = await post(client, complaint, getattr(cast, who), "public_update", TEXT)
        assert response.status_code in (403, 404)
        assert response.headers["content-type"] == "application/problem+json"
        assert await outbox(session, complaint) == []

    async def test_anonymous_is_401_and_sends_nothing(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        response = await client.post(
            f"{BASE}/{complaint.id}/updates", json={"kind": "public_update", "text": TEXT}
        )
        assert response.status_code == 401
        assert await outbox(session, complaint) == []


class TestStatusCodes:
    async def test_followers_told_of_a_question_but_not_the_question(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "in_progress", cast=cast)
        await followed(session, complaint, cast.citizen)
        response = await client.post(
            f"{BASE}/{complaint.id}/actions/request-information",
            json={"question": "Di depan nomor berapa?\nMohon foto."},
            headers=cast.officer.headers(complaint),
        )
        assert response.status_code == 200, response.text
        by_recipient = {m.recipient_id: m for m in await outbox(session, complaint)}
        assert set(by_recipient) == {cast.reporter.subject, cast.citizen.subject}
        to_reporter, to_follower = by_recipient[cast.reporter.subject], by_recipient[cast.citizen.subject]
        assert to_reporter.template == "complaint_needs_information"
        assert to_reporter.params["question"] == "Di depan nomor berapa? Mohon foto."  # one line
        assert (to_follower.template, to_follower.params) == (
            "complaint_status_changed",
            {"tracking_number": complaint.tracking_number, "status": "waiting_for_citizen"},
        )

    async def test_redirected_is_its_own_code(
        self, client: AsyncClient, session: AsyncSession, cast: Cast
    ) -> None:
        complaint = await complaint_in(session, "verified", cast=cast)
        await followed(session, complaint, cast.citizen)
        response = await client.post(
            f"{BASE}/{complaint.id}/actions/redirect",
            json={"to": "PLN", "note": "Jaringan PLN"},
            headers=cast.verifier.headers(complaint),
        )
        assert response.status_code == 200, response.text
        statuses = {(m.recipient_id, m.params["status"]) for m in await outbox(session, complaint)}
        assert statuses == {(cast.reporter.subject, "redirected"), (cast.citizen.subject, "redirected")}

    def test_every_state_has_a_code(self) -> None:
        assert set(notify.STATUS_CODES.values()) >= {"waiting_for_citizen", "redirected"}
        assert "not_our_responsibility" not in notify.STATUS_CODES.values()


def clock_columns(stage: str, due: datetime, **extra: object) -> dict[str, Any]:
    return {
        "sla_stage": stage,
        "sla_started_at": due - timedelta(days=7),
        "sla_budget_days": 5,
        "sla_due_at": due,
        **extra,
    }


class TestSlaMessages:
    async def test_reminder_to_the_assigned_officer_once(
        self, session: AsyncSession, cast: Cast, identity_services: IdentityServices
    ) -> None:
        monday = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB
        due = datetime(2027, 3, 2, 16, 59, tzinfo=UTC)  # 23:59 WIB, Tuesday 2 March
        assigned = await complaint_in(session, "in_progress", cast=cast, **clock_columns("follow_up", due))
        unassigned = await complaint_in(
            session, "dispositioned", cast=cast, **clock_columns("follow_up", due)
        )
        assert (
            await sla_watch.watch(session, SETTINGS, directory=identity_services, now=monday)
        ).reminded == 2
        assert (
            await sla_watch.watch(session, SETTINGS, directory=identity_services, now=monday)
        ).reminded == 0
        (row,) = await outbox(session, assigned)
        assert (row.recipient_id, row.template) == (cast.officer.subject, "complaint_sla_reminder")
        assert row.params == {"tracking_number": assigned.tracking_number, "due_date": "2027-03-02"}
        assert await outbox(session, unassigned) == []  # nobody to name: the event is the desk's hook

    async def test_breach_to_the_assigned_officer_once_in_wib(
        self, session: AsyncSession, cast: Cast, identity_services: IdentityServices
    ) -> None:
        due = datetime(2027, 3, 2, 17, 30, tzinfo=UTC)  # 00:30 WIB on Wednesday 3 March
        now = due + timedelta(hours=2)
        late = await complaint_in(
            session, "in_progress", cast=cast, officer=cast.officer2, **clock_columns("follow_up", due)
        )
        paused = await complaint_in(
            session, "waiting_for_citizen", cast=cast, **clock_columns("follow_up", due, sla_paused=True)
        )
        await followed(session, late, cast.citizen)
        assert (await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)).escalated == 1
        assert (await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)).escalated == 0
        (row,) = await outbox(session, late)  # the officer only: never the reporter nor the followers
        assert (row.recipient_id, row.template) == (cast.officer2.subject, "complaint_sla_breached")
        assert row.params == {"tracking_number": late.tracking_number, "due_date": "2027-03-03"}
        assert await outbox(session, paused) == []

    async def test_delivered_to_identity_by_name(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        due = datetime(2027, 3, 2, 16, 59, tzinfo=UTC)
        late = await complaint_in(session, "in_progress", cast=cast, **clock_columns("follow_up", due))
        now = due + timedelta(minutes=5)
        await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=now)).sent == 1
        assert identity.notifications == [
            {
                "subject_id": str(cast.officer.subject),
                "template": "complaint_sla_breached",
                "params": {"tracking_number": late.tracking_number, "due_date": "2027-03-02"},
            }
        ]


class TestExcerpt:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("  Sudah   diperbaiki.\r\n", "Sudah diperbaiki."),
            ("a\u200bb\u2028c", "ab c"),
            ("\u200b", "…"),
            ("x" * 300, "x" * 300),
            ("x" * 301, "x" * 299 + "…"),
        ],
    )
    def test_one_line_within_the_limit(self, text: str, expected: str) -> None:
        assert notify.excerpt(text) == expected

    def test_cut_at_a_word(self) -> None:
        cut = notify.excerpt("kata " * 100)
        assert cut.endswith("kata…")
        assert len(cut) <= 300


async def digests(session: AsyncSession) -> dict[UUID, list[NotificationOutbox]]:
    statement = select(NotificationOutbox).where(NotificationOutbox.template == notify.SLA_ESCALATION)
    found: dict[UUID, list[NotificationOutbox]] = {}
    for message in await session.scalars(statement.order_by(NotificationOutbox.created_at)):
        found.setdefault(message.recipient_id, []).append(message)
    return found


class TestSlaEscalation:
    """Breaches reach the OPD's supervisors and the verifier desk as one digest each, listed by identity."""

    async def test_supervisors_of_the_opd_and_the_desk_get_one_digest(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        cast.register_staff(identity)
        identity.add_staff(cast.verifier.subject, ["verifier"], "DISKOMINFO")
        gone = uuid4()
        identity.add_staff(gone, ["supervisor"], OPD, active=False)
        due = datetime(2027, 3, 2, 17, 30, tzinfo=UTC)
        first = await complaint_in(session, "in_progress", cast=cast, **clock_columns("follow_up", due))
        second = await complaint_in(session, "dispositioned", cast=cast, **clock_columns("follow_up", due))
        await sla_watch.watch(session, SETTINGS, directory=identity_services, now=due + timedelta(hours=1))
        found = await digests(session)
        assert set(found) == {
            cast.supervisor.subject,
            cast.verifier.subject,
        }  # not another OPD's, not disabled
        for (message,) in found.values():
            assert message.complaint_id is None
            assert message.params == {
                "count": "2",
                "opd": OPD,
                "tracking_numbers": f"{first.tracking_number}, {second.tracking_number}",
            }

    async def test_a_waiting_digest_takes_later_breaches_and_a_sent_one_does_not(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        cast.register_staff(identity)
        due = datetime(2027, 3, 2, 17, 30, tzinfo=UTC)
        numbers = []
        for hour in range(7):  # one new breach per run
            late = await complaint_in(
                session, "in_progress", cast=cast, **clock_columns("follow_up", due + timedelta(hours=hour))
            )
            numbers.append(late.tracking_number)
            now = due + timedelta(hours=hour, minutes=30)
            assert (
                await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)
            ).escalated == 1
        (message,) = (await digests(session))[cast.supervisor.subject]
        assert message.params == {
            "count": "7",
            "opd": OPD,
            "tracking_numbers": ", ".join(numbers[:5]) + ", …",
        }
        message.status = "sent"
        late = await complaint_in(
            session, "in_progress", cast=cast, **clock_columns("follow_up", due + timedelta(hours=8))
        )
        await sla_watch.watch(session, SETTINGS, directory=identity_services, now=due + timedelta(hours=9))
        sent, fresh = (await digests(session))[cast.supervisor.subject]
        assert sent.params["count"] == "7"
        assert fresh.params == {"count": "1", "opd": OPD, "tracking_numbers": late.tracking_number}

    async def test_identity_down_changes_nothing_and_the_next_run_escalates(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        cast.register_staff(identity)
        due = datetime(2027, 3, 2, 17, 30, tzinfo=UTC)
        late = await complaint_in(session, "in_progress", cast=cast, **clock_columns("follow_up", due))
        identity.down = True
        with pytest.raises(IdentityUnavailable):
            async with session.begin_nested():  # the job's transaction, rolled back by the runner
                await sla_watch.watch(
                    session, SETTINGS, directory=identity_services, now=due + timedelta(hours=1)
                )
        assert (await reload(session, late)).sla_escalated_at is None
        assert await digests(session) == {}
        identity.down = False
        report = await sla_watch.watch(
            session, SETTINGS, directory=identity_services, now=due + timedelta(hours=1)
        )
        assert report.escalated == 1
        assert set(await digests(session)) == {cast.supervisor.subject}

    async def test_digest_delivered_with_identitys_template(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        cast.register_staff(identity)
        due = datetime(2027, 3, 2, 17, 30, tzinfo=UTC)
        late = await complaint_in(session, "dispositioned", cast=cast, **clock_columns("verify", due))
        now = due + timedelta(hours=1)
        await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=now)).sent == 1
        assert identity.notifications == [
            {
                "subject_id": str(cast.supervisor.subject),
                "template": "complaint_sla_escalation",
                "params": {"count": "1", "opd": OPD, "tracking_numbers": late.tracking_number},
            }
        ]

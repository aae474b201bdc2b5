"""The lifecycle's jobs: delivering the notification outbox to identity (retries, backoff, refusals) and the SLA
watch (reminders, escalations, closing after silence), each idempotent."""

from datetime import UTC, datetime, timedelta

import pytest
from factories import seed_catalogue
from fakes_identity import FakeIdentity
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from test_lifecycle_support import Cast, complaint_in, events_of, outbox, reload, timeline

from siantar_complaints.complaint.models import Complaint, ComplaintFollow
from siantar_complaints.identity.services import IdentityServices
from siantar_complaints.lifecycle import delivery, notify, sla_watch
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.jobs import DELIVER_NOTIFICATIONS, SLA_WATCH, register_lifecycle_jobs
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.models import platform
from siantar_shared.jobs import JobOutcome, JobRunner
from siantar_shared.testing.tokens import TestKeys

SETTINGS = LifecycleSettings(NOTIFY_MAX_ATTEMPTS=3, NOTIFY_BACKOFF_SECONDS=30)


@pytest.fixture
async def cast(test_keys: TestKeys, session: AsyncSession) -> Cast:
    await seed_catalogue(session)
    return Cast(test_keys)


async def queued(session: AsyncSession, complaint: Complaint, now: datetime) -> NotificationOutbox:
    await notify.enqueue(
        session, complaint, [complaint.reporter_id], "complaint_status_changed",  # type: ignore[list-item]
        {"tracking_number": complaint.tracking_number, "status": "verified"}, now=now,
    )  # fmt: skip
    (message,) = await outbox(session, complaint)
    return message


class TestDeliver:
    async def test_sent(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        now = datetime.now(UTC)
        complaint = await complaint_in(session, "verified", cast=cast)
        message = await queued(session, complaint, now)
        report = await delivery.deliver(session, identity_services, SETTINGS, now=now)
        assert (report.sent, report.retried, report.failed) == (1, 0, 0)
        assert identity.notifications == [
            {
                "subject_id": str(cast.reporter.subject),
                "template": "complaint_status_changed",
                "params": {"tracking_number": complaint.tracking_number, "status": "verified"},
            }
        ]
        await session.refresh(message)
        assert message.status == "sent"
        assert message.sent_at == now
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=now)).sent == 0  # once only

    async def test_identity_down_retries_with_backoff_then_gives_up(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        now = datetime.now(UTC)
        message = await queued(session, await complaint_in(session, "verified", cast=cast), now)
        identity.down = True
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=now)).retried == 1
        await session.refresh(message)
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.next_attempt_at == now + timedelta(seconds=30)
        # not due yet: nothing is tried
        assert (
            await delivery.deliver(session, identity_services, SETTINGS, now=now + timedelta(seconds=29))
        ).retried == 0
        later = now + timedelta(seconds=30)
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=later)).retried == 1
        await session.refresh(message)
        assert message.next_attempt_at == later + timedelta(seconds=60)  # doubled
        last = later + timedelta(seconds=60)
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=last)).failed == 1
        await session.refresh(message)
        assert (message.status, message.attempts) == ("failed", 3)
        assert identity.notifications == []

    async def test_back_up_in_time(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        now = datetime.now(UTC)
        message = await queued(session, await complaint_in(session, "verified", cast=cast), now)
        identity.notify_status = 503
        await delivery.deliver(session, identity_services, SETTINGS, now=now)
        identity.notify_status = 202
        assert (
            await delivery.deliver(session, identity_services, SETTINGS, now=now + timedelta(minutes=1))
        ).sent == 1
        await session.refresh(message)
        assert (message.status, message.attempts, message.last_error) == ("sent", 2, None)

    async def test_refusal_is_final(
        self, session: AsyncSession, cast: Cast, identity: FakeIdentity, identity_services: IdentityServices
    ) -> None:
        now = datetime.now(UTC)
        message = await queued(session, await complaint_in(session, "verified", cast=cast), now)
        identity.notify_status = 422
        assert (await delivery.deliver(session, identity_services, SETTINGS, now=now)).failed == 1
        await session.refresh(message)
        assert (message.status, message.last_error) == ("failed", "http_422")


def clock_columns(stage: str, due: datetime, **extra: object) -> dict[str, object]:
    return {
        "sla_stage": stage,
        "sla_started_at": due - timedelta(days=7),
        "sla_budget_days": 5,
        "sla_due_at": due,
        **extra,
    }


class TestSlaWatch:
    async def test_escalates_a_breach_once(
        self, session: AsyncSession, cast: Cast, identity_services: IdentityServices
    ) -> None:
        now = datetime.now(UTC)
        late = await complaint_in(
            session, "in_progress", cast=cast, **clock_columns("follow_up", now - timedelta(hours=2))
        )
        paused = await complaint_in(
            session,
            "waiting_for_citizen",
            cast=cast,
            **clock_columns("follow_up", now - timedelta(hours=2), sla_paused=True),
        )
        on_time = await complaint_in(
            session, "in_progress", cast=cast, **clock_columns("follow_up", now + timedelta(days=9))
        )
        version = late.version
        assert (await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)).escalated == 1
        assert (await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)).escalated == 0
        saved = await reload(session, late)
        assert saved.sla_escalated_at == now
        assert saved.version == version  # a system mark leaves officers' ETags valid
        (entry,) = await timeline(session, late)
        assert (entry.kind, entry.visibility, entry.actor_role, entry.actor_id) == (
            "sla",
            "staff",
            "system",
            None,
        )
        (event,) = await events_of(session, late)
        assert event.type == "id.go.pematangsiantar.complaints.complaint.sla_breached"
        assert event.data["assigned_officer_id"] == str(cast.officer.subject)
        assert await timeline(session, paused) == []
        assert await timeline(session, on_time) == []

    async def test_reminds_a_day_ahead_once(
        self, session: AsyncSession, cast: Cast, identity_services: IdentityServices
    ) -> None:
        monday = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB
        tomorrow = datetime(2027, 3, 2, 16, 59, tzinfo=UTC)  # end of Tuesday WIB
        next_week = datetime(2027, 3, 9, 16, 59, tzinfo=UTC)
        soon = await complaint_in(session, "dispositioned", cast=cast, **clock_columns("follow_up", tomorrow))
        later = await complaint_in(
            session, "dispositioned", cast=cast, **clock_columns("follow_up", next_week)
        )
        assert (
            await sla_watch.watch(session, SETTINGS, directory=identity_services, now=monday)
        ).reminded == 1
        assert (
            await sla_watch.watch(session, SETTINGS, directory=identity_services, now=monday)
        ).reminded == 0
        assert (await reload(session, soon)).sla_reminded_at == monday
        assert [e.data for e in await timeline(session, soon)] == [{"sla": "reminder"}]
        assert await timeline(session, later) == []

    async def test_closes_after_silence(
        self, session: AsyncSession, cast: Cast, identity_services: IdentityServices
    ) -> None:
        now = datetime.now(UTC)
        silent = await complaint_in(
            session, "resolved", cast=cast, **clock_columns("close", now - timedelta(minutes=1))
        )
        waiting = await complaint_in(
            session, "resolved", cast=cast, **clock_columns("close", now + timedelta(days=3))
        )
        follower = cast.citizen.subject
        session.add(ComplaintFollow(complaint_id=silent.id, account_id=follower))
        await session.flush()
        assert (await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)).closed == 1
        saved = await reload(session, silent)
        assert (saved.status, saved.closed_at, saved.sla_stage) == ("closed", now, None)
        (entry,) = await timeline(session, silent)
        assert (entry.from_status, entry.to_status, entry.visibility, entry.actor_role) == (
            "resolved",
            "closed",
            "public",
            "system",
        )
        recipients = {(m.recipient_id, m.params["status"]) for m in await outbox(session, silent)}
        assert recipients == {(cast.reporter.subject, "closed"), (follower, "closed")}
        assert (await reload(session, waiting)).status == "resolved"
        assert (await sla_watch.watch(session, SETTINGS, directory=identity_services, now=now)).closed == 0


async def test_jobs_are_registered_and_run(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, identity_services: IdentityServices
) -> None:
    runner = JobRunner(sessionmaker, platform)
    register_lifecycle_jobs(runner, identity_services, SETTINGS)
    assert {DELIVER_NOTIFICATIONS, SLA_WATCH} <= set(runner.jobs)
    assert await runner.run_once(SLA_WATCH) == JobOutcome.succeeded
    assert await runner.run_once(DELIVER_NOTIFICATIONS) == JobOutcome.succeeded
    lease = platform.job_lease
    rows = (
        await session.execute(select(lease.name, lease.last_status).where(lease.name.in_(runner.jobs)))
    ).all()
    assert {(name, status) for name, status in rows} >= {
        (DELIVER_NOTIFICATIONS, "succeeded"),
        (SLA_WATCH, "succeeded"),
    }

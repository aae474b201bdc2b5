"""Periodic jobs of svc-permits (`python -m siantar_permits job NAME`, every minute under `make run`, a
CronJob in production), each under the shared runner's lease:

- `sla-sweep`: deliver queued messages to applicants through identity's notify endpoint (retried); recompute every open application's SLA flag (on_time, at_risk, breached) and announce flag
  changes; where the type allows fiktif positif and a decision stage's deadline passed in silence, the
  application is deemed approved (OSS 57) and waits for a supervisor to issue it;
- `permit-expiry`: issued permits past `valid_until` become expired; holders are warned (an event the
  notification service turns into a message) 30 days before;
- `identity-erasures` (`erasure_consumer`): reads identity's event
  feed (client-credentials token) and pseudonymises the applications of erased accounts;
- `sweep-document-files` (`siantar_permits.document.sweep`): deletes the document and permit files a crash
  left without their row;
- `reencrypt-personal-data` (`siantar_permits.reencrypt`): after an encryption-key rotation, re-seals with
  the active key the personal data sealed with an older one (its CronJob is suspended: started by hand).
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import sla
from siantar_permits.application.models import Application
from siantar_permits.application.service import definition_of
from siantar_permits.application.states import DECISION_STAGES, OPEN_STATES, STAGE_OF, State
from siantar_permits.application.workflow import record, transition
from siantar_permits.audit import Actor
from siantar_permits.config import Settings
from siantar_permits.document.sweep import SWEEP_DOCUMENT_FILES, sweep_orphans
from siantar_permits.erasure.service import EventPage, consume
from siantar_permits.models import platform
from siantar_permits.notify.outbox import deliver, identity_sender
from siantar_permits.permit.models import Permit
from siantar_permits.personal import use_key_ring
from siantar_permits.reencrypt import reencrypt
from siantar_shared.calendar import WIB
from siantar_shared.db import utcnow
from siantar_shared.events import emit, event_source
from siantar_shared.http import make_client
from siantar_shared.jobs import JobRunner, open_job_runner
from siantar_shared.service_token import ServiceTokenSource, token_source_for
from siantar_shared.storage import build_storage

LEASE = timedelta(minutes=10)
EXPIRY_WARNING_DAYS = 30
SLA_EVENT = "id.go.pematangsiantar.permits.application.sla-flagged"
EXPIRING_EVENT = "id.go.pematangsiantar.permits.permit.expiring"
BATCH = 500
HORIZON = timedelta(days=14)  # only clocks due this soon can turn at risk (holidays included)


async def sla_sweep(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    cal = await sla.calendar(session)
    counts = {"flagged": 0, "deemed_approved": 0}
    staged = [s.value for s in OPEN_STATES if s in STAGE_OF]
    statement = (
        select(Application)
        .where(
            Application.state.in_(staged),
            Application.sla_due_at <= now + HORIZON,
            # breached clocks stay breached until the stage ends (fiktif positif ones were acted on at once)
            or_(Application.sla_flag.is_(None), Application.sla_flag != "breached"),
        )
        .order_by(Application.sla_due_at)
        .limit(BATCH)
    )
    for app in await session.scalars(statement):
        definition = await definition_of(session, app)
        flag = sla.flag(app, definition, now, cal)
        stage = STAGE_OF[State(app.state)]
        if flag == "breached" and definition.fiktif_positif and stage in DECISION_STAGES:
            app.deemed_approved = True
            data = {"stage": stage.value, "due_at": app.sla_due_at.isoformat() if app.sla_due_at else None}
            await transition(
                session,
                app,
                definition,
                to=State.deemed_approved,
                action="deem_approved",
                by=Actor.system("sla-sweep"),
                now=now,
                cal=cal,
                note="Fiktif positif: melewati SLA tanpa keputusan",
                data=data,
            )
            counts["deemed_approved"] += 1
        elif flag != app.sla_flag:
            app.sla_flag = flag
            await session.flush()
            await emit(
                session,
                platform,
                type=SLA_EVENT,
                subject=str(app.id),
                data={"id": app.id, "state": app.state, "flag": flag, "due_at": app.sla_due_at},
                source=event_source("permits"),
            )
            counts["flagged"] += 1
    return counts


async def permit_expiry(session: AsyncSession, now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    today = now.astimezone(WIB).date()
    counts = {"expired": 0, "warned": 0}
    issued = (
        select(Permit, Application)
        .join(Application, Application.id == Permit.application_id)
        .where(Application.state == State.issued.value, Permit.valid_until.is_not(None))
    )
    expired = issued.where(Permit.valid_until < today).limit(BATCH)
    for permit, app in (await session.execute(expired)).all():
        definition = await definition_of(session, app)
        cal = await sla.calendar(session)
        await transition(
            session,
            app,
            definition,
            to=State.expired,
            action="expire",
            by=Actor.system("permit-expiry"),
            now=now,
            cal=cal,
            data={"valid_until": permit.valid_until.isoformat() if permit.valid_until else None},
        )
        counts["expired"] += 1
    soon = issued.where(
        Permit.valid_until <= today + timedelta(days=EXPIRY_WARNING_DAYS),
        Permit.valid_until >= today,
        Permit.expiry_warned_at.is_(None),
    ).limit(BATCH)
    for permit, app in (await session.execute(soon)).all():
        permit.expiry_warned_at = now
        await record(
            session,
            app,
            action="expiry_warning",
            before=app.state,
            by=Actor.system("permit-expiry"),
            data={"valid_until": str(permit.valid_until)},
        )
        await emit(
            session,
            platform,
            type=EXPIRING_EVENT,
            subject=str(app.id),
            data={
                "id": app.id,
                "applicant_id": app.applicant_id,
                "number": permit.number,
                "valid_until": permit.valid_until,
            },
            source=event_source("permits"),
        )
        counts["warned"] += 1
    return counts


def identity_feed(tokens: ServiceTokenSource) -> Callable[[int], Awaitable[EventPage]]:
    """Pages of identity's event feed, read with this service's client-credentials token."""

    async def fetch(after: int) -> EventPage:
        response = await tokens.request("GET", "/identity/v1/events", params={"after": after, "limit": 200})
        response.raise_for_status()
        body = response.json()
        return list(body["items"]), int(body["next_cursor"])

    return fetch


@asynccontextmanager
async def open_permits_runner(settings: Settings) -> AsyncIterator[JobRunner]:
    ring = use_key_ring(settings)
    async with open_job_runner(settings, platform) as runner, make_client(settings.IDENTITY_URL) as client:
        send = identity_sender(token_source_for(settings, client))

        async def sweep(session: AsyncSession) -> None:
            await sla_sweep(session)
            await deliver(session, send)

        async def expiry(session: AsyncSession) -> None:
            await permit_expiry(session)

        runner.register("sla-sweep", sweep, lease=LEASE)
        runner.register("permit-expiry", expiry, lease=LEASE)

        async def reencrypt_personal_data(session: AsyncSession) -> None:
            await reencrypt(session, ring)

        runner.register("reencrypt-personal-data", reencrypt_personal_data, lease=LEASE)
        storage = build_storage(settings)

        async def sweep_document_files(session: AsyncSession) -> None:
            await sweep_orphans(session, storage, now=utcnow())

        runner.register(SWEEP_DOCUMENT_FILES, sweep_document_files, lease=LEASE)
        async with erasure_consumer(settings) as erase:

            async def identity_erasures(session: AsyncSession) -> None:
                await erase(session)

            runner.register("identity-erasures", identity_erasures, lease=LEASE)
            yield runner


@asynccontextmanager
async def erasure_consumer(settings: Settings) -> AsyncIterator[Callable[[AsyncSession], Awaitable[int]]]:
    """The `identity-erasures` work: read identity's feed and pseudonymise (a job of `open_permits_runner`)."""
    async with make_client(settings.IDENTITY_URL) as client:
        storage = build_storage(settings)
        fetch = identity_feed(token_source_for(settings, client))

        async def run(session: AsyncSession) -> int:
            return await consume(session, storage, fetch, utcnow())

        yield run

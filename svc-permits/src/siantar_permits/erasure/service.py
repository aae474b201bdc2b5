"""Erasure: when identity reports an account erased, its applications are pseudonymised here.

What the law makes the city keep stays, marked with its basis: an issued permit (number, holder name as
issued, validity, PDF and signature) is a record of a government decision kept under UU 43/2009 tentang
Kearsipan and the city's retention schedule (JRA perizinan) [U: confirm the period with the archive office].
Everything else goes: the account link, the personal form fields, and, for applications that never became a
permit, the applicant's name and the uploaded documents; an application still in process is withdrawn.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application import sla
from siantar_permits.application.models import Application
from siantar_permits.application.service import definition_of
from siantar_permits.application.states import OPEN_STATES, State
from siantar_permits.application.workflow import record, transition
from siantar_permits.audit import Actor
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.erasure.models import FeedCursor
from siantar_permits.notify.models import Notification
from siantar_shared.storage import Storage

ERASED_EVENT = "id.go.pematangsiantar.identity.account.erased"
FEED = "identity"
REMOVED = "[dihapus]"
RETENTION_BASIS = "UU 43/2009 tentang Kearsipan; JRA perizinan Kota Pematangsiantar: keputusan izin yang terbit disimpan [U]"
RETAINED_STATES = frozenset(
    {State.issued, State.expired, State.revoked, State.renewed, State.deemed_approved}
)
logger = logging.getLogger("siantar_permits.erasure")
EventPage = tuple[list[dict[str, Any]], int]


async def pseudonymise(session: AsyncSession, storage: Storage, subject: UUID, now: datetime) -> int:
    """Pseudonymise every application of `subject`; returns how many. Idempotent."""
    apps = list(await session.scalars(select(Application).where(Application.applicant_id == subject)))
    await session.execute(
        delete(Notification).where(Notification.subject_id == subject, Notification.status == "pending")
    )
    by = Actor.system("erasure")
    for app in apps:
        definition = await definition_of(session, app)
        personal = {f.code for f in definition.form if f.personal}
        app.form = {k: (REMOVED if k in personal else v) for k, v in app.form.items()}
        app.applicant_id = None
        app.pseudonymised_at = now
        if State(app.state) in RETAINED_STATES:
            app.retention_basis = RETENTION_BASIS
            await record(
                session,
                app,
                action="pseudonymised",
                before=app.state,
                by=by,
                data={"kept": "permit", "basis": RETENTION_BASIS},
            )
            continue
        app.applicant_name = REMOVED
        await _delete_documents(session, storage, app)
        if State(app.state) in OPEN_STATES or app.state == State.draft.value:
            cal = await sla.calendar(session)
            await transition(
                session,
                app,
                definition,
                to=State.withdrawn,
                action="withdraw",
                by=by,
                now=now,
                cal=cal,
                note="Akun pemohon dihapus",
            )
        await record(session, app, action="pseudonymised", before=app.state, by=by, data={"kept": "none"})
    return len(apps)


async def _delete_documents(session: AsyncSession, storage: Storage, app: Application) -> None:
    documents = list(
        await session.scalars(select(ApplicationDocument).where(ApplicationDocument.application_id == app.id))
    )
    for document in documents:
        await storage.delete(document.storage_key)
        document.storage_key = f"erased/{document.id}"
        document.sha256 = "0" * 64
        document.size = 0


async def consume(
    session: AsyncSession,
    storage: Storage,
    fetch: Callable[[int], Awaitable[EventPage]],
    now: datetime,
    *,
    pages: int = 10,
) -> int:
    """Read identity's feed from the stored cursor (`fetch(after) -> (events, next_cursor)`), pseudonymise
    for each erasure, and keep the new cursor, all in the caller's transaction (so a failure re-reads)."""
    cursor = await session.get(FeedCursor, FEED)
    if cursor is None:
        cursor = FeedCursor(feed=FEED, position=0)
        session.add(cursor)
    erased = 0
    for _ in range(pages):
        events, next_cursor = await fetch(cursor.position)
        for event in events:
            if event.get("type") == ERASED_EVENT:
                subject = UUID(str(event["data"]["subject_id"]))
                erased += await pseudonymise(session, storage, subject, now)
        if next_cursor == cursor.position:
            break
        cursor.position = next_cursor
    await session.flush()
    logger.info("identity feed read up to %d; %d applications pseudonymised", cursor.position, erased)
    return erased

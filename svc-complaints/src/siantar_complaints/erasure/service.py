"""Pseudonymising an erased account, and following identity's event feed to learn of erasures.

What happens to account X (idempotent: a second run finds nothing left to change):
- complaints it reported: `reporter_id` null (`reporter_kind` kept), entity tag bumped; the complaint stays;
- complaints it submitted for someone else, timeline entries, photos and ratings it authored: the account id
  null (the entry, photo and score stay);
- its citizen replies: text replaced by `[dihapus / erased]`;
- its follows: deleted, and the follower counts lowered;
- its moderation flags: `flagged_by_id` null.
Then `erased_account` records it, and an event tells the other services.
"""

import logging
from typing import Any, Protocol
from uuid import UUID

import httpx
from sqlalchemy import case, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from siantar_complaints.complaint.models import (
    Complaint,
    ComplaintFollow,
    ComplaintPhoto,
    ComplaintRating,
    ComplaintUpdate,
)
from siantar_complaints.complaint.states import UpdateKind
from siantar_complaints.erasure.models import ErasedAccount, FeedCursor
from siantar_complaints.models import platform
from siantar_complaints.moderation.models import ModerationFlag
from siantar_shared.db import utcnow
from siantar_shared.events import emit, event_source
from siantar_shared.service_token import ServiceTokenError

ERASED_EVENT = "id.go.pematangsiantar.identity.account.erased"
PSEUDONYMISED_EVENT = "id.go.pematangsiantar.complaints.account.pseudonymised"
ERASED_TEXT = "[dihapus / erased]"
CURSOR = "identity-events"
EVENTS_PATH = "/identity/v1/events"
PAGE = 100
logger = logging.getLogger("siantar_complaints.erasure")


class FeedUnavailable(RuntimeError):
    """Identity's feed did not answer a page: the job fails, its cursor stays, the next run retries."""


class EventSource(Protocol):
    """What the job needs of identity: `IdentityServices.get` (a service token is attached)."""

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response: ...


def _bump(statement: Update) -> Update:
    return statement.values(version=Complaint.version + 1).execution_options(synchronize_session=False)


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def pseudonymise(session: AsyncSession, account_id: UUID, *, event_id: UUID) -> dict[str, int] | None:
    """Remove `account_id` from everything here; None if it was done before."""
    seen = select(ErasedAccount.id).where(ErasedAccount.account_id == account_id)
    if (await session.execute(seen)).first() is not None:
        return None
    counts = {
        "complaints_reported": await _count(
            session,
            _bump(update(Complaint).where(Complaint.reporter_id == account_id).values(reporter_id=None)),
        ),
        "complaints_submitted": await _count(
            session,
            _bump(
                update(Complaint).where(Complaint.submitted_by_id == account_id).values(submitted_by_id=None)
            ),
        ),
        "replies_erased": await _count(
            session,
            update(ComplaintUpdate)
            .where(
                ComplaintUpdate.actor_id == account_id, ComplaintUpdate.kind == UpdateKind.citizen_reply.value
            )
            .values(note=ERASED_TEXT),
        ),
        "timeline_entries": await _count(
            session,
            update(ComplaintUpdate).where(ComplaintUpdate.actor_id == account_id).values(actor_id=None),
        ),
        "photos": await _count(
            session,
            update(ComplaintPhoto)
            .where(ComplaintPhoto.uploaded_by_id == account_id)
            .values(uploaded_by_id=None),
        ),
        "ratings": await _count(
            session,
            update(ComplaintRating).where(ComplaintRating.rated_by_id == account_id).values(rated_by_id=None),
        ),
        "flags": await _count(
            session,
            update(ModerationFlag)
            .where(ModerationFlag.flagged_by_id == account_id)
            .values(flagged_by_id=None),
        ),
        "follows": await _unfollow(session, account_id),
    }
    session.add(ErasedAccount(account_id=account_id, event_id=event_id, counts=counts))
    await session.flush()
    await emit(
        session,
        platform,
        type=PSEUDONYMISED_EVENT,
        subject=str(account_id),
        data={"subject_id": account_id, "counts": counts},
        source=event_source("complaints"),
    )
    return counts


async def _unfollow(session: AsyncSession, account_id: UUID) -> int:
    followed = select(ComplaintFollow.complaint_id).where(ComplaintFollow.account_id == account_id)
    complaint_ids = list(await session.scalars(followed))
    if not complaint_ids:
        return 0
    await session.execute(
        _bump(
            update(Complaint)
            .where(Complaint.id.in_(complaint_ids))
            .values(
                follower_count=case((Complaint.follower_count > 0, Complaint.follower_count - 1), else_=0)
            )
        )
    )
    await session.execute(delete(ComplaintFollow).where(ComplaintFollow.account_id == account_id))
    return len(complaint_ids)


async def _cursor(session: AsyncSession) -> FeedCursor:
    statement = select(FeedCursor).where(FeedCursor.name == CURSOR).with_for_update()
    cursor = (await session.scalars(statement)).one_or_none()
    if cursor is None:
        cursor = FeedCursor(name=CURSOR, position=0)
        session.add(cursor)
        await session.flush()
    return cursor


async def follow_feed(session: AsyncSession, source: EventSource, *, max_pages: int = 50) -> int:
    """Read identity's feed from the stored cursor, pseudonymise each erased account, and move the cursor
    with the work (one transaction: the job's). Returns how many accounts were pseudonymised."""
    cursor = await _cursor(session)
    done = 0
    for _ in range(max_pages):
        page = await _page(source, cursor.position)
        for event in page["items"]:
            if event.get("type") == ERASED_EVENT:
                done += await _erase(session, event)
        next_position = int(page["next_cursor"])
        if next_position == cursor.position:
            break
        cursor.position = next_position
        cursor.updated_at = utcnow()
        await session.flush()
    return done


async def _erase(session: AsyncSession, event: dict[str, Any]) -> int:
    account_id = UUID(str(event.get("data", {}).get("subject_id") or event["subject"]))
    counts = await pseudonymise(session, account_id, event_id=UUID(str(event["id"])))
    if counts is not None:
        logger.info("account pseudonymised on event %s: %s", event["id"], counts)
    return int(counts is not None)


async def _page(source: EventSource, after: int) -> dict[str, Any]:
    try:
        response = await source.get(EVENTS_PATH, {"after": after, "limit": PAGE})
    except (httpx.HTTPError, ServiceTokenError) as exc:
        raise FeedUnavailable(f"identity's event feed did not answer: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise FeedUnavailable(f"identity's event feed answered HTTP {response.status_code}")
    body: dict[str, Any] = response.json()
    if not isinstance(body.get("items"), list) or not str(body.get("next_cursor", "")).isdigit():
        raise FeedUnavailable("identity's event feed answered an unexpected page")
    return body

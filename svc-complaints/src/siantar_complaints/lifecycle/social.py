"""Citizens and others' complaints: following ("me too") and rating a resolution.

`follower_count` stays exact under concurrency: the count moves by an `UPDATE ... SET follower_count =
follower_count + 1` in the transaction of the follow row's INSERT, and the unique (complaint, account) makes a
second follow of the same person a no-op. The counter is not a change of the complaint: it does not bump its
version, so followers never make an officer's `If-Match` stale.
"""

from uuid import UUID, uuid4

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint, ComplaintFollow, ComplaintRating
from siantar_complaints.complaint.states import ReportVisibility, Status, UpdateKind, UpdateVisibility
from siantar_complaints.lifecycle import effects, schemas, service
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.exceptions import (
    ActionForbidden,
    AlreadyRated,
    CannotFollow,
    TransitionNotAllowed,
)
from siantar_complaints.lifecycle.service import Change
from siantar_complaints.lifecycle.transitions import Action
from siantar_complaints.models import Holiday
from siantar_shared.auth import Principal, Role
from siantar_shared.calendar import load_calendar
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.db import utcnow
from siantar_shared.errors import UnprocessableContent
from siantar_shared.i18n import Text
from siantar_shared.idempotency import rowcount

RATED_STATES = frozenset({Status.resolved.value, Status.closed.value})


async def _followable(session: AsyncSession, complaint_id: UUID, principal: Principal) -> Complaint:
    complaint = await service.get_visible(session, complaint_id, principal)
    if not principal.has_role(Role.citizen) or principal.is_service:
        raise ActionForbidden(
            Text("Hanya warga yang dapat mengikuti laporan", "Only citizens can follow complaints")
        )
    if visibility.is_reporter(principal, complaint):
        raise CannotFollow(
            Text("Anda pelapornya: Anda sudah diberi kabar", "You reported it: you are told already")
        )
    if complaint.report_visibility != ReportVisibility.public.value:
        raise CannotFollow(Text("Laporan ini tidak publik", "This complaint is not public"))
    return complaint


async def _bump(session: AsyncSession, complaint_id: UUID, by: int) -> int:
    statement = (
        update(Complaint)
        .where(Complaint.id == complaint_id)
        .values(follower_count=Complaint.follower_count + by)
        .returning(Complaint.follower_count)
        .execution_options(synchronize_session=False)
    )
    return int((await session.execute(statement)).scalar_one())


async def follow(
    session: AsyncSession, complaint_id: UUID, principal: Principal
) -> tuple[schemas.FollowState, bool]:
    """Follow; True when new (a repeated follow changes nothing)."""
    complaint = await _followable(session, complaint_id, principal)
    try:
        async with session.begin_nested():
            await session.execute(
                insert(ComplaintFollow).values(
                    id=uuid4(),
                    complaint_id=complaint.id,
                    account_id=principal.subject,
                    created_at=utcnow(),
                )
            )
    except IntegrityError:
        return schemas.FollowState(following=True, follower_count=complaint.follower_count), False
    return schemas.FollowState(following=True, follower_count=await _bump(session, complaint.id, 1)), True


async def unfollow(session: AsyncSession, complaint_id: UUID, principal: Principal) -> schemas.FollowState:
    complaint = await service.get_visible(session, complaint_id, principal)
    statement = delete(ComplaintFollow).where(
        ComplaintFollow.complaint_id == complaint.id, ComplaintFollow.account_id == principal.subject
    )
    if rowcount(await session.execute(statement)) == 0:
        return schemas.FollowState(following=False, follower_count=complaint.follower_count)
    return schemas.FollowState(following=False, follower_count=await _bump(session, complaint.id, -1))


async def rate(
    session: AsyncSession,
    complaint_id: UUID,
    principal: Principal,
    body: schemas.RatingCreate,
    if_match: str | None,
    settings: LifecycleSettings,
) -> tuple[Complaint, ComplaintRating]:
    """The reporter rates a resolution once; a low score with `reopen` reopens it (within the window)."""
    if body.reopen:
        if body.score > settings.REOPEN_RATING_MAX:
            raise UnprocessableContent(
                Text(
                    f"Hanya nilai {settings.REOPEN_RATING_MAX} atau kurang yang dapat membuka kembali",
                    f"Only a score of {settings.REOPEN_RATING_MAX} or less can reopen the complaint",
                )
            )
        change = await service.begin(
            session, complaint_id, Action.reopen, principal, if_match, settings, strict=False
        )
    else:
        change = await _rating_change(session, complaint_id, principal, if_match, settings)
    complaint = change.complaint
    if complaint.rating is not None:
        raise AlreadyRated(Text("Anda sudah memberi penilaian", "You have rated it already"))
    complaint.rating = body.score
    rating = ComplaintRating(
        complaint_id=complaint.id,
        score=body.score,
        reasons=[reason.value for reason in body.reasons],
        comment=body.comment,
        rated_by_id=principal.subject,
        reopened=body.reopen,
        created_at=change.now,
    )
    session.add(rating)
    if body.reopen:
        await effects.reopen(change, body.comment or f"Penilaian {body.score}")
        await service.commit_change(change)
    else:
        complaint.last_activity_at = change.now
        await service.flush_or_412(session)
    change.kind, change.visibility, change.note = (
        UpdateKind.rating,
        UpdateVisibility.participants,
        body.comment,
    )
    change.data = {"score": body.score, "reasons": rating.reasons, "reopened": body.reopen}
    entry = await service.record(change, from_status=None, to_status=None)
    await service.emit_event(session, complaint, "rated", entry, None, {"score": body.score})
    return complaint, rating


async def _rating_change(
    session: AsyncSession,
    complaint_id: UUID,
    principal: Principal,
    if_match: str | None,
    settings: LifecycleSettings,
) -> Change:
    complaint = await service.get_visible(session, complaint_id, principal)
    if not visibility.is_reporter(principal, complaint):
        raise ActionForbidden(Text("Hanya pelapor yang dapat menilai", "Only the reporter can rate"))
    if if_match is not None:
        require_match(if_match, version_tag(complaint.version))
    if complaint.status not in RATED_STATES:
        raise TransitionNotAllowed(
            Text("Hanya pengaduan yang selesai yang dapat dinilai", "Only a resolved complaint can be rated")
        )
    return Change(
        session, complaint, principal, None, utcnow(), await load_calendar(session, Holiday), settings
    )

"""Manual review of NIK conflicts by an administrator or the data protection officer (domain brief §4.1: a
flagged manual-review path; PDP Ps. 10: a person, not an automated rule, settles a disputed identity).

Decisions: `grant` gives the claimant the NIK at level 1 (method "manual_review", verifier the reviewer) and
removes it from the holder (who is told); `keep_holder` and `reject` close the case. Every decision is
audited with the reviewer, the decision and the case; the note says what was checked.
"""

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account import repository as accounts
from siantar_identity.account.dependencies import Tools
from siantar_identity.account.models import AccountKind, AccountStatus
from siantar_identity.assurance import repository
from siantar_identity.assurance.exceptions import ReviewCannotGrant, ReviewClosed, ReviewNotFound
from siantar_identity.assurance.schemas import NikReviewRead, NikReviewResolve, ReviewDecision
from siantar_identity.assurance.service import REVIEW_CONTEXT, release, set_level
from siantar_identity.privacy.models import NikReview
from siantar_identity.security.fieldcrypt import matches
from siantar_identity.staff.actor import Actor
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorParams, Page, SortKey, paginate

_NOT_ACTIVE = Text(
    "Akun pengaju bukan akun warga yang aktif", "The claimant's account is not an active citizen account"
)
_OTHER_NIK = Text(
    "Pengaju memegang NIK lain yang sudah diverifikasi Dukcapil",
    "The claimant holds another NIK verified by Dukcapil",
)
CLOSED_STATUS = {
    ReviewDecision.grant: "granted",
    ReviewDecision.keep_holder: "kept",
    ReviewDecision.reject: "rejected",
}


async def list_open(session: AsyncSession, params: CursorParams) -> Page[NikReviewRead]:
    """Open cases, oldest first (they wait longest), with masked NIKs."""
    keys = [SortKey(NikReview.created_at.expression, False), SortKey(NikReview.id.expression, False)]
    rows, cursor = await paginate(session, repository.open_reviews_statement(), params, keys)
    return Page[NikReviewRead](items=[NikReviewRead.model_validate(row) for row in rows], next_cursor=cursor)


async def resolve(
    session: AsyncSession, tools: Tools, review_id: UUID, body: NikReviewResolve, *, by: Actor
) -> NikReview:
    review = await repository.get_review(session, review_id)
    if review is None:
        raise ReviewNotFound()
    if review.status != repository.OPEN:
        raise ReviewClosed()
    if body.decision is ReviewDecision.grant:
        await _grant(session, tools, review, by=by)
    review.status, review.note = CLOSED_STATUS[body.decision], body.note
    review.resolved_by, review.resolved_at = by.id, tools.now
    await session.flush()
    await by.audit(
        session,
        "assurance.nik_review_resolved",
        subject_id=review.account_id,
        review_id=str(review.id),
        decision=body.decision.value,
        holder_id=str(review.holder_id) if review.holder_id else None,
    )
    return review


async def _grant(session: AsyncSession, tools: Tools, review: NikReview, *, by: Actor) -> None:
    claimant = await accounts.get(session, review.account_id)
    if claimant is None or claimant.kind != AccountKind.citizen or claimant.status != AccountStatus.active:
        raise ReviewCannotGrant(_NOT_ACTIVE)
    # the NIK's keyed hash now (the review's stored one may be under a key being rotated out)
    nik = tools.crypto.ring.decrypt(review.nik_ciphertext, context=REVIEW_CONTEXT)
    index = contacts.nik_index(tools.crypto, nik)
    if (
        claimant.assurance_level >= 2
        and claimant.nik_index is not None
        and not matches(index, claimant.nik_index)
    ):
        raise ReviewCannotGrant(_OTHER_NIK)
    holder = await accounts.by_nik_index(session, index)
    if holder is not None and holder.id != claimant.id:
        await release(session, tools, holder, reason="manual_review", winner=claimant)
    if not matches(index, claimant.nik_index):
        contacts.set_nik(claimant, tools.crypto, nik)
        set_level(claimant, 1, "manual_review", f"review:{by.id}", tools)
    await session.flush()
    await repository.move_holder(session, index, claimant.id)

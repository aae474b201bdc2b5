"""Levels of assurance: `/identity/v1/me/nik...` for the citizen, `/identity/v1/nik-reviews` for reviewers."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from siantar_identity.account.dependencies import AccountSessionDep, ToolsDep
from siantar_identity.account.profile import assurance_of
from siantar_identity.assurance import review, service
from siantar_identity.assurance.dependencies import CitizenDep, ReviewerDep
from siantar_identity.assurance.dukcapil import DukcapilDep
from siantar_identity.assurance.schemas import (
    NikClaim,
    NikClaimResult,
    NikReviewRead,
    NikReviewResolve,
    NikVerification,
    Outcome,
)
from siantar_shared.db import SessionDep
from siantar_shared.errors import request_language
from siantar_shared.i18n import Text
from siantar_shared.pagination import CursorQuery, Page

Responses = dict[int | str, dict[str, Any]]
router = APIRouter(tags=["assurance"])

MESSAGES = {
    Outcome.accepted: Text("NIK tersimpan: tingkat verifikasi 1.", "NIK saved: assurance level 1."),
    Outcome.unchanged: Text("NIK ini sudah tercatat di akun Anda.", "This NIK is already on your account."),
    Outcome.review: Text(
        "NIK ini sudah tercatat di akun lain. Petugas akan meninjaunya; akun Anda tetap dapat dipakai. "
        "Verifikasi Dukcapil (POST /me/nik/verify) dapat menyelesaikannya lebih cepat.",
        "This NIK is already on another account. Staff will review it; you can keep using your account. "
        "Dukcapil verification (POST /me/nik/verify) can settle it sooner.",
    ),
    Outcome.verified: Text(
        "NIK cocok dengan data Dukcapil: tingkat verifikasi 2.", "NIK matched by Dukcapil: level 2."
    ),
    Outcome.not_matched: Text(
        "Data Dukcapil tidak cocok dengan NIK, nama dan tanggal lahir ini. Periksa kembali; jika Anda yakin "
        "benar, ajukan perbaikan atau tinjauan oleh petugas.",
        "Dukcapil did not match this NIK with your name and birth date. Check them; if you are sure they are "
        "right, ask for a correction or a review by staff.",
    ),
}
_NIK_ERRORS: Responses = {409: {"description": "Your NIK is verified at level 2 and cannot be replaced"}}


def _result(outcome: Outcome, me: CitizenDep, tools: ToolsDep) -> NikClaimResult:
    message = MESSAGES[outcome].pick(request_language(tools.request))
    return NikClaimResult(outcome=outcome, message=message, assurance=assurance_of(me.account))


@router.post("/me/nik", response_model=NikClaimResult, responses=_NIK_ERRORS, summary="Give my NIK (level 1)")
async def claim_nik(
    body: NikClaim, me: CitizenDep, session: AccountSessionDep, tools: ToolsDep
) -> NikClaimResult:
    """Give your NIK (16 digits; residents registered outside Kota Pematangsiantar are welcome). If no other
    account holds it you reach assurance level 1 (`accepted`); if one does, a review case is opened
    (`review`) and you keep using your account. Nothing about the other account is shown."""
    return _result(await service.claim(session, tools, me.account, body.nik), me, tools)


@router.post(
    "/me/nik/verify",
    response_model=NikClaimResult,
    responses={
        **_NIK_ERRORS,
        429: {"description": "5 checks a day"},
        503: {"description": "Dukcapil unavailable"},
    },
    summary="Verify my NIK with Dukcapil (level 2)",
)
async def verify_nik(
    body: NikVerification, me: CitizenDep, session: AccountSessionDep, tools: ToolsDep, verifier: DukcapilDep
) -> NikClaimResult:
    """Ask the civil registry (Dukcapil, under the city's PKS) whether the NIK matches your full name and
    birth date; it answers only match or no match. A match gives assurance level 2 (`verified`) and wins
    over another account's level-1 claim to the same NIK. Every check is logged; at most 5 a day."""
    outcome = await service.verify(
        session, tools, verifier, me.account, nik=body.nik, birth_date=body.birth_date
    )
    return _result(outcome, me, tools)


@router.get("/nik-reviews", response_model=Page[NikReviewRead], summary="Open NIK review cases")
async def list_reviews(by: ReviewerDep, session: SessionDep, params: CursorQuery) -> Page[NikReviewRead]:
    """Open cases of a NIK claimed by two accounts, oldest first, NIKs masked (administrators and the DPO)."""
    return await review.list_open(session, params)


@router.post(
    "/nik-reviews/{review_id}/resolve",
    response_model=NikReviewRead,
    responses={404: {}, 409: {"description": "Already resolved, or the claimant cannot get the NIK"}},
    summary="Resolve a NIK review case",
)
async def resolve_review(
    review_id: UUID, body: NikReviewResolve, by: ReviewerDep, session: SessionDep, tools: ToolsDep
) -> NikReviewRead:
    """Decide a case (administrators and the DPO): `grant` the NIK to the claimant (level 1, method
    `manual_review`; the holder loses it and is told), `keep_holder`, or `reject` the claim; with a note
    of what was checked. Audited."""
    return NikReviewRead.model_validate(await review.resolve(session, tools, review_id, body, by=by))

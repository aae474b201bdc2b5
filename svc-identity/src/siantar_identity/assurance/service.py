"""Levels of assurance (domain brief §4.4), stored per account as level, method, verifier and time:

- 0: the phone (or e-mail) is verified: every active account;
- 1 ("nik_self"): the person gave a NIK that is structurally valid and that no other account holds;
- 2 ("dukcapil"): the civil-registry verifier matched the NIK with the person's name and birth date.

A NIK another account already holds is never refused outright (it may be a typo on either side, or a
misuse): the claim opens a manual-review case (`nik_review`), the claimant is told so and keeps using their
account, and nothing about the holder is revealed. A level-2 match wins over a holder at level 0 or 1: the
holder's claim is removed (back to level 0), they are told, and it is audited; two level-2 matches for one
NIK go to review. Every verifier call is audited (purpose, result, time, reference; never the data) and
limited to `DUKCAPIL_CHECKS_PER_DAY` per account.
"""

import math
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts, messages
from siantar_identity.account import repository as accounts
from siantar_identity.account.dependencies import Tools
from siantar_identity.account.models import Account
from siantar_identity.assurance import repository
from siantar_identity.assurance.dukcapil import DukcapilVerifier, VerifierUnavailable
from siantar_identity.assurance.exceptions import (
    DukcapilUnavailable,
    NikLocked,
    NikMissing,
    VerificationLimited,
)
from siantar_identity.assurance.schemas import Outcome
from siantar_identity.audit.service import record
from siantar_identity.privacy.models import NikReview
from siantar_identity.security.fieldcrypt import matches
from siantar_shared.schemas.types import mask_nik

REVIEW_CONTEXT = "nik_review.nik"  # associated data of the NIK kept in a review case
DUKCAPIL_CHECKS_PER_DAY = 5
DAY = timedelta(days=1)
VERIFICATION_PURPOSE = "identity_verification"


def set_level(account: Account, level: int, method: str | None, verifier: str | None, tools: Tools) -> None:
    account.assurance_level, account.assurance_method = level, method
    account.assurance_verifier, account.assurance_at = verifier, tools.now


async def claim_unclaimed_nik(session: AsyncSession, tools: Tools, account: Account) -> None:
    """Claim the NIK given at registration, now that the account is active."""
    if not contacts.nik_unclaimed(account):
        return
    nik = contacts.read_nik(account, tools.crypto)
    contacts.clear_nik(account)
    if nik is not None:
        await claim(session, tools, account, nik)


async def claim(session: AsyncSession, tools: Tools, account: Account, nik: str) -> Outcome:
    """Level 1 if nobody holds `nik`; a review case if someone else does."""
    index = contacts.nik_index(tools.crypto, nik)
    if matches(index, account.nik_index):
        return Outcome.unchanged
    if account.nik_index is not None and account.assurance_level >= 2:
        raise NikLocked()
    holder = await accounts.by_nik_index(session, index)
    if holder is not None:
        await open_review(session, tools, account, holder, nik, index, reason="claimed")
        return Outcome.review
    replaced = account.nik_index is not None
    contacts.set_nik(account, tools.crypto, nik)
    set_level(account, 1, "nik_self", None, tools)
    await session.flush()
    await record(
        session,
        "assurance.nik_claimed",
        request=tools.request,
        subject_id=account.id,
        level=1,
        replaced=replaced,
    )
    return Outcome.accepted


async def open_review(
    session: AsyncSession,
    tools: Tools,
    claimant: Account,
    holder: Account,
    nik: str,
    index: str,
    *,
    reason: str,
) -> NikReview:
    review = await repository.open_review(session, claimant.id, index)
    if review is None:
        review = NikReview(
            account_id=claimant.id,
            holder_id=holder.id,
            nik_ciphertext=tools.crypto.ring.encrypt(nik, context=REVIEW_CONTEXT),
            nik_index=index,
            nik_masked=mask_nik(nik),
            status=repository.OPEN,
            created_at=tools.now,
        )
        session.add(review)
        await session.flush()
        await record(
            session,
            "assurance.nik_review_opened",
            request=tools.request,
            subject_id=claimant.id,
            review_id=str(review.id),
            holder_id=str(holder.id),
            reason=reason,
        )
    return review


async def verify(
    session: AsyncSession,
    tools: Tools,
    verifier: DukcapilVerifier,
    account: Account,
    *,
    nik: str | None,
    birth_date: date,
) -> Outcome:
    """Ask the civil registry whether `nik` (default: the account's, or the one under review) matches the
    person's name and `birth_date`; a match gives level 2."""
    nik = nik or await _current_nik(session, tools, account)
    index = contacts.nik_index(tools.crypto, nik)
    if account.assurance_level >= 2 and account.nik_index is not None:
        if matches(index, account.nik_index):
            return Outcome.unchanged
        raise NikLocked()
    await _limit_checks(session, tools, account)
    try:
        result = await verifier.verify(nik, account.full_name or "", birth_date)
    except VerifierUnavailable as exc:
        await _audit_check(session, tools, account, verifier, outcome="error", result="unavailable")
        raise DukcapilUnavailable() from exc
    result_name = "match" if result.match else "no_match"
    await _audit_check(
        session,
        tools,
        account,
        verifier,
        outcome="success" if result.match else "failure",
        result=result_name,
        reference=result.reference,
    )
    if not result.match:
        return Outcome.not_matched
    return await _grant_level_2(session, tools, account, nik, index, verifier.name)


async def _current_nik(session: AsyncSession, tools: Tools, account: Account) -> str:
    nik = contacts.read_nik(account, tools.crypto) if account.nik_index is not None else None
    if nik is None:
        review = await repository.latest_open_review(session, account.id)
        if review is not None:
            nik = tools.crypto.ring.decrypt(review.nik_ciphertext, context=REVIEW_CONTEXT)
    if nik is None:
        raise NikMissing()
    return nik


async def _limit_checks(session: AsyncSession, tools: Tools, account: Account) -> None:
    checks = await repository.dukcapil_checks_since(session, account.id, tools.now - DAY)
    if len(checks) >= DUKCAPIL_CHECKS_PER_DAY:
        wait = checks[-DUKCAPIL_CHECKS_PER_DAY] + DAY - tools.now
        raise VerificationLimited(max(1, math.ceil(wait.total_seconds())))


async def _audit_check(
    session: AsyncSession,
    tools: Tools,
    account: Account,
    verifier: DukcapilVerifier,
    *,
    outcome: str,
    **detail: Any,
) -> None:
    await record(
        session,
        repository.DUKCAPIL_CHECK,
        request=tools.request,
        actor_id=account.id,
        subject_id=account.id,
        outcome=outcome,
        purpose=VERIFICATION_PURPOSE,
        verifier=verifier.name,
        **detail,
    )


async def _grant_level_2(
    session: AsyncSession, tools: Tools, account: Account, nik: str, index: str, verifier: str
) -> Outcome:
    holder = await accounts.by_nik_index(session, index)
    if holder is not None and holder.id != account.id:
        if holder.assurance_level >= 2:
            await open_review(session, tools, account, holder, nik, index, reason="both_matched")
            return Outcome.review
        await release(session, tools, holder, reason="dukcapil_match_by_other", winner=account)
    if not matches(index, account.nik_index):
        contacts.set_nik(account, tools.crypto, nik)
    set_level(account, 2, "dukcapil", verifier, tools)
    await session.flush()
    await repository.close_reviews(
        session, account.id, index, status="verified", at=tools.now, note="Dukcapil matched the claimant"
    )
    await repository.move_holder(session, index, account.id)
    await record(session, "assurance.level_raised", request=tools.request, subject_id=account.id, level=2)
    return Outcome.verified


async def release(
    session: AsyncSession, tools: Tools, holder: Account, *, reason: str, winner: Account
) -> None:
    """Remove `holder`'s claim to their NIK (back to level 0), tell them, and audit it."""
    previous = holder.assurance_level
    contacts.clear_nik(holder)
    set_level(holder, 0, None, None, tools)
    await session.flush()
    await record(
        session,
        "assurance.nik_claim_removed",
        request=tools.request,
        subject_id=holder.id,
        reason=reason,
        previous_level=previous,
        winner_id=str(winner.id),
    )
    await messages.send_notice(session, tools, holder, "nik_claim_removed")

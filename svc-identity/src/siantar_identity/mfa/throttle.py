"""Throttling of the secrets checked here (a current password, a TOTP or recovery code): the same counters
and policy as sign-in (`throttle.policy`), per account and per client address, so that guessing through
these endpoints is no cheaper than guessing at sign-in."""

from collections.abc import Sequence
from datetime import datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.audit.service import client_ip, record
from siantar_identity.config import Settings
from siantar_identity.mfa.exceptions import MfaThrottled
from siantar_identity.throttle import service as throttle
from siantar_identity.throttle.exceptions import SignInThrottled
from siantar_identity.throttle.policy import ADDRESS_POLICY, Counter, account_key, account_policy, address_key


def counters(request: Request, account: Account) -> Sequence[Counter]:
    settings: Settings = request.state.settings
    return (
        Counter(account_key(account.id), account_policy(settings.MAX_FAILURES_PER_HOUR)),
        Counter(address_key(client_ip(request)), ADDRESS_POLICY),
    )


async def begin(session: AsyncSession, request: Request, account: Account, at: datetime) -> None:
    """Count the check as a failure until `succeeded`; refuse it (429, audited) while the counters wait."""
    try:
        await throttle.begin_attempt(session, counters(request, account), at=at)
    except SignInThrottled as exc:
        await record(
            session,
            "mfa.throttled",
            request=request,
            actor_id=account.id,
            subject_id=account.id,
            outcome="failure",
        )
        raise MfaThrottled(exc.retry_after) from exc


async def succeeded(session: AsyncSession, request: Request, account: Account, at: datetime) -> None:
    await throttle.attempt_succeeded(session, counters(request, account), at=at)

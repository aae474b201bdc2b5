"""One-time codes sent out of band (OWASP ASVS 5.0 6.5, 6.6): 6 digits from the CSPRNG, stored as a hash
bound to the account, valid `OTP_TTL` (5 minutes), dead after `OTP_MAX_ATTEMPTS` (5) wrong tries, used once,
good only for the purpose and the phone or e-mail (`target_index`) it was sent to; a new code replaces the
previous one.

Sending is limited to `OTP_MAX_SENDS_PER_HOUR` per account and purpose (429 with `Retry-After` beyond).
Endpoints that must not tell whether an account exists (registration, resend, password reset) also count
every request per target phone or e-mail and per client address *before* looking the account up, so an
unknown number reaches the limit exactly like a registered one.
"""

import math
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import repository
from siantar_identity.account.dependencies import Tools
from siantar_identity.account.exceptions import CodeSendLimited, InvalidCode
from siantar_identity.account.models import Account, CodePurpose, OneTimeCode
from siantar_identity.audit.service import client_ip, record
from siantar_identity.notify import service as notify_service
from siantar_identity.notify.notifiers import Channel
from siantar_identity.security.fieldcrypt import candidates
from siantar_identity.security.secrets import new_numeric_code, same, token_hash
from siantar_identity.throttle.policy import address_key

WINDOW = timedelta(hours=1)
ADDRESS_SENDS_PER_HOUR = 30  # anonymous code requests per client address (carrier NAT shares addresses)
TEMPLATES = {CodePurpose.reset_password: "password_reset_code"}  # every other purpose: "verification_code"


def code_hash(account: Account, code: str) -> str:
    return token_hash(f"{account.id}:{code}")


async def limit_anonymous(
    session: AsyncSession, tools: Tools, *, purpose: CodePurpose, target_index: str
) -> None:
    """Count a code request from someone not signed in, per target and per client address; 429 beyond."""
    limit = tools.settings.OTP_MAX_SENDS_PER_HOUR
    counters = (
        (f"otp-send:{purpose.value}:{target_index}", limit),
        (f"otp-send-{address_key(client_ip(tools.request))}", ADDRESS_SENDS_PER_HOUR),
    )
    for key, most in counters:
        wait = await repository.count_in_window(session, key, at=tools.now, window=WINDOW, limit=most)
        if wait:
            raise CodeSendLimited(wait)


async def issue(
    session: AsyncSession,
    tools: Tools,
    account: Account,
    *,
    purpose: CodePurpose,
    channel: Channel,
    to: str,
    target_index: str,
) -> None:
    """Send a fresh code for `purpose` to `to` (whose keyed hash is `target_index`)."""
    at, settings = tools.now, tools.settings
    sent = await repository.codes_sent_since(session, account.id, purpose, at - WINDOW)
    if len(sent) >= settings.OTP_MAX_SENDS_PER_HOUR:
        wait = sent[-settings.OTP_MAX_SENDS_PER_HOUR] + WINDOW - at
        raise CodeSendLimited(max(1, math.ceil(wait.total_seconds())))
    await repository.retire_codes(session, account.id, purpose, at)
    code = new_numeric_code(6)
    session.add(
        OneTimeCode(
            account_id=account.id,
            purpose=purpose,
            channel=channel,
            target_index=target_index,
            code_hash=code_hash(account, code),
            created_at=at,
            expires_at=at + settings.OTP_TTL,
        )
    )
    await session.flush()
    minutes = max(1, int(settings.OTP_TTL.total_seconds()) // 60)
    await notify_service.send(
        session,
        tools.notifiers,
        account_id=account.id,
        channel=channel,
        to=to,
        template=TEMPLATES.get(purpose, "verification_code"),
        language="en" if account.language == "en" else "id",
        params={"code": code, "minutes": str(minutes)},
        at=at,
    )
    await record(
        session,
        "account.code_sent",
        request=tools.request,
        subject_id=account.id,
        code_purpose=purpose.value,
        channel=channel.value,
    )


async def accept(
    session: AsyncSession,
    tools: Tools,
    account: Account | None,
    *,
    purpose: CodePurpose,
    target_index: str,
    code: str,
) -> OneTimeCode:
    """The live code `code` of `account` for `purpose`, sent to `target_index`; else `InvalidCode`, after
    counting the attempt against the live code (it dies at the limit) and auditing the failure. The caller
    consumes the code (`consume`) once everything else has passed."""
    settings = tools.settings
    live = None
    if account is not None:
        live = await repository.live_code(
            session, account.id, purpose, at=tools.now, max_attempts=settings.OTP_MAX_ATTEMPTS
        )
    if account is None or live is None:
        await reject(session, tools, account, purpose=purpose, attempts=None)
        raise InvalidCode()
    sent_to_target = any(same(live.target_index, candidate) for candidate in candidates(target_index))
    if not (same(live.code_hash, code_hash(account, code)) and sent_to_target):
        live.attempts += 1
        await reject(session, tools, account, purpose=purpose, attempts=live.attempts)
        raise InvalidCode()
    return live


async def reject(
    session: AsyncSession,
    tools: Tools,
    account: Account | None,
    *,
    purpose: CodePurpose,
    attempts: int | None,
) -> None:
    await session.flush()
    await record(
        session,
        "account.code_rejected",
        request=tools.request,
        subject_id=account.id if account is not None else None,
        outcome="failure",
        code_purpose=purpose.value,
        attempts=attempts,
    )


def consume(code: OneTimeCode, tools: Tools) -> None:
    code.consumed_at = tools.now

"""The signed-in person's account, re-authentication before an export, an erasure or a restriction, and
consent per purpose (UU 27/2022 Ps. 9, 20-24, 40). Data requests: `privacy.requests`."""

from datetime import datetime

from fastapi import Request
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.audit.service import client_ip, record, record_refusal
from siantar_identity.config import Settings
from siantar_identity.notify.schemas import Localized
from siantar_identity.privacy import repository
from siantar_identity.privacy.exceptions import (
    AccountNotFound,
    NotWithdrawable,
    ReauthenticationRequired,
)
from siantar_identity.privacy.models import ConsentEvent
from siantar_identity.privacy.purposes import CONSENT_PURPOSES, NOT_WITHDRAWABLE, PUBLIC_SERVICE_PROCESSING
from siantar_identity.privacy.schemas import (
    ConsentChange,
    ConsentEventRead,
    ConsentOverview,
    ConsentState,
    ProcessingWithoutConsent,
)
from siantar_identity.security.passwords import verify_password
from siantar_identity.throttle import service as throttle
from siantar_identity.throttle.policy import ADDRESS_POLICY, Counter, account_key, account_policy, address_key
from siantar_shared.auth import Principal
from siantar_shared.i18n import Text


async def get_person(session: AsyncSession, principal: Principal) -> Account:
    """The signed-in person's account; 404 if it does not exist (any more)."""
    account = await repository.get_account(session, principal.subject)
    if account is None or account.status == AccountStatus.erased or account.kind == AccountKind.guest:
        raise AccountNotFound()
    return account


async def reauthenticate(
    session: AsyncSession,
    account: Account,
    password: SecretStr | None,
    *,
    request: Request,
    principal: Principal,
    at: datetime,
) -> None:
    """Check the person's current password before an export, an erasure or a restriction.

    The attempt goes through the sign-in throttle (`throttle.policy`: per account and per address, growing
    waits, never a permanent lock), so a stolen access token cannot be used to guess the password faster
    than the sign-in page allows: a throttled attempt is 429 with `Retry-After`. A wrong password is
    recorded and committed at once (the refusal would otherwise roll the record and the count back), and
    answered 401 `insufficient_user_authentication`.
    """
    settings: Settings = request.state.settings
    counters = (
        Counter(account_key(account.id), account_policy(settings.MAX_FAILURES_PER_HOUR)),
        Counter(address_key(client_ip(request)), ADDRESS_POLICY),
    )
    await throttle.begin_attempt(session, counters, at=at)
    if password is None or not await verify_password(account.password_hash, password.get_secret_value()):
        await record_refusal(
            session, "reauth.failed", request=request, actor=principal, subject_id=account.id
        )
        raise ReauthenticationRequired()
    await throttle.attempt_succeeded(session, counters, at=at)


async def consent_overview(session: AsyncSession, account: Account) -> ConsentOverview:
    ledger = await repository.consent_ledger(session, account.id)
    latest: dict[str, ConsentEvent] = {event.purpose: event for event in ledger}
    states = []
    for code, purpose in CONSENT_PURPOSES.items():
        event = latest.get(code)
        states.append(
            ConsentState(
                purpose=code,
                title=Localized.of(purpose.title),
                description=Localized.of(purpose.description),
                legal_basis=Localized.of(purpose.legal_basis),
                notice_version=purpose.notice_version,
                # a grant under an older notice does not cover the current one
                granted=event is not None
                and event.granted
                and event.notice_version == purpose.notice_version,
                since=event.created_at if event is not None else None,
            )
        )
    return ConsentOverview(
        consents=states,
        processing_without_consent=[
            ProcessingWithoutConsent.of(p) for p in PUBLIC_SERVICE_PROCESSING.values()
        ],
        ledger=[ConsentEventRead.model_validate(event) for event in ledger],
    )


async def change_consent(
    session: AsyncSession,
    account: Account,
    change: ConsentChange,
    *,
    request: Request,
    principal: Principal,
) -> ConsentOverview:
    """Append a grant or a withdrawal to the ledger (nothing when it changes nothing); refuse it for
    processing that rests on law rather than consent."""
    if change.purpose in PUBLIC_SERVICE_PROCESSING:
        basis = PUBLIC_SERVICE_PROCESSING[change.purpose].legal_basis
        raise NotWithdrawable(
            Text(NOT_WITHDRAWABLE.id.format(basis=basis.id), NOT_WITHDRAWABLE.en.format(basis=basis.en)),
            extra={"legal_basis": basis.en},
        )
    purpose = CONSENT_PURPOSES[change.purpose]
    latest = await repository.latest_consent(session, account.id, purpose.code)
    unchanged = latest is not None and (latest.granted, latest.notice_version) == (
        change.granted,
        purpose.notice_version,
    )
    if not unchanged:
        session.add(
            ConsentEvent(
                account_id=account.id,
                purpose=purpose.code,
                notice_version=purpose.notice_version,
                granted=change.granted,
            )  # stamped when written: the ledger's order is the order of the writes
        )
        await session.flush()
        action = "consent.granted" if change.granted else "consent.withdrawn"
        await record(
            session,
            action,
            request=request,
            actor=principal,
            subject_id=account.id,
            consent_purpose=purpose.code,
            notice_version=purpose.notice_version,
        )
    return await consent_overview(session, account)

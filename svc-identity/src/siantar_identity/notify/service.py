"""Sending templated messages and recording that they were sent (never what they said, nor to which address).

`send` delivers to a known address (identity's own codes). `notify_subject` is what the other services use,
through `POST /identity/v1/notifications`: they name a person by subject id and identity picks the address,
so complaints and permits never hold a phone number or an e-mail address.
"""

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from math import ceil
from typing import cast
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account import contacts
from siantar_identity.account.models import Account, AccountKind, AccountStatus
from siantar_identity.notify import repository
from siantar_identity.notify.dependencies import NotifyPolicy
from siantar_identity.notify.exceptions import NotificationRateLimited, SubjectNotFound
from siantar_identity.notify.models import Notification
from siantar_identity.notify.notifiers import Channel, DeliveryError, Message, Notifier
from siantar_identity.notify.templates import render
from siantar_identity.privacy import repository as privacy_repository
from siantar_identity.security.context import Crypto
from siantar_shared.i18n import Language

logger = logging.getLogger("siantar_identity.notify")
WHATSAPP_PURPOSE = "service_updates_whatsapp"  # the consent purpose (privacy.purposes) that prefers WhatsApp
RATE_WINDOW = timedelta(hours=1)
NO_CHANNEL = "none"


async def send(
    session: AsyncSession,
    notifiers: dict[Channel, Notifier],
    *,
    account_id: UUID,
    channel: Channel,
    to: str,
    template: str,
    language: Language,
    params: Mapping[str, object],
    at: datetime,
    requested_by: str | None = None,
) -> Notification:
    """Render `template` in the person's language and send it on `channel` to `to`. A delivery failure is
    recorded (status failed) and logged without address or content; it does not raise."""
    subject, body = render(template, language, params)
    entry = Notification(
        account_id=account_id, template=template, channel=channel, requested_by=requested_by, created_at=at
    )
    try:
        await notifiers[channel].send(Message(channel, to, subject, body))
    except DeliveryError as exc:
        entry.status, entry.error = "failed", str(exc)[:200]
        logger.warning("notification %s on %s failed: %s", template, channel.value, entry.error)
    else:
        entry.status, entry.sent_at = "sent", at
    session.add(entry)
    await session.flush()
    return entry


async def notify_subject(
    session: AsyncSession,
    notifiers: dict[Channel, Notifier],
    crypto: Crypto,
    policy: NotifyPolicy,
    *,
    subject_id: UUID,
    template: str,
    params: Mapping[str, object],
    channel: Channel | None,
    requested_by: str,
    at: datetime,
) -> Notification:
    """A service's message to a person, named by subject id: `deliver` after the per-person rate limit.
    Raises `SubjectNotFound` and `NotificationRateLimited`."""
    account = await privacy_repository.get_account(session, subject_id)
    if account is None:
        raise SubjectNotFound()
    await _check_rate(session, policy, account.id, at)
    return await deliver(
        session,
        notifiers,
        crypto,
        account,
        template=template,
        params=params,
        channel=channel,
        requested_by=requested_by,
        at=at,
    )


async def deliver(
    session: AsyncSession,
    notifiers: dict[Channel, Notifier],
    crypto: Crypto,
    account: Account,
    *,
    template: str,
    params: Mapping[str, object],
    at: datetime,
    channel: Channel | None = None,
    requested_by: str | None = None,
) -> Notification:
    """Send a message to a person through their best channel, in their language.

    The channel is the one asked for if the person can be reached on it, else the best they have: WhatsApp
    if they consented to it, SMS to a verified phone, then a verified e-mail address (a guest's contacts
    count as given for this purpose). An erased or restricted person, or one with no usable contact, gets
    nothing: the row says `no_channel` and why (`error`: erased, restricted, no_contact).
    """
    reason = _blocked(account)
    found = {} if reason else await reachable(session, crypto, account)
    addresses = {
        kind: address for kind, address in found.items() if kind in notifiers
    }  # switched-off channels
    if not reason and not addresses:
        reason = "no_contact"
    if reason:
        return await _not_sent(session, account, template, requested_by, at, reason)
    chosen = channel if channel is not None and channel in addresses else next(iter(addresses))
    language = cast(Language, account.language if account.language in ("id", "en") else "id")
    return await send(
        session,
        notifiers,
        account_id=account.id,
        channel=chosen,
        to=addresses[chosen],
        template=template,
        language=language,
        params=params,
        at=at,
        requested_by=requested_by,
    )


async def reachable(session: AsyncSession, crypto: Crypto, account: Account) -> dict[Channel, str]:
    """The person's usable addresses by channel, best first. Staff and citizens need verified contacts;
    a guest's unverified ones are accepted, since the guest gave them to be told about their report."""
    guest = account.kind == AccountKind.guest
    addresses: dict[Channel, str] = {}
    if account.phone_ciphertext is not None and (guest or account.phone_verified_at is not None):
        phone = crypto.ring.decrypt(account.phone_ciphertext, context=contacts.PHONE_CONTEXT)
        consent = await privacy_repository.latest_consent(session, account.id, WHATSAPP_PURPOSE)
        if consent is not None and consent.granted:
            addresses[Channel.whatsapp] = phone
        addresses[Channel.sms] = phone
    if account.email_ciphertext is not None and (guest or account.email_verified_at is not None):
        addresses[Channel.email] = crypto.ring.decrypt(
            account.email_ciphertext, context=contacts.EMAIL_CONTEXT
        )
    return addresses


def _blocked(account: Account) -> str | None:
    if account.status == AccountStatus.erased:
        return "erased"
    if account.restricted_at is not None:
        return "restricted"  # processing restricted on the person's request (UU 27/2022 Ps. 11)
    return None


async def _check_rate(session: AsyncSession, policy: NotifyPolicy, account_id: UUID, at: datetime) -> None:
    count, oldest = await repository.requested_since(session, account_id, at - RATE_WINDOW)
    if count >= policy.max_per_hour:
        wait = (oldest + RATE_WINDOW - at).total_seconds() if oldest else RATE_WINDOW.total_seconds()
        logger.warning("notifications for one subject exceed %d an hour", policy.max_per_hour)
        raise NotificationRateLimited(policy.max_per_hour, max(1, ceil(wait)))


async def _not_sent(
    session: AsyncSession,
    account: Account,
    template: str,
    requested_by: str | None,
    at: datetime,
    reason: str,
) -> Notification:
    entry = Notification(
        account_id=account.id,
        template=template,
        channel=NO_CHANNEL,
        status="no_channel",
        requested_by=requested_by,
        error=reason,
        created_at=at,
    )
    session.add(entry)
    await session.flush()
    logger.info("notification %s not sent: %s", template, reason)
    return entry

"""Sending a templated message to an address, and recording that it was sent (never what it said)."""

import logging
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.notify.models import Notification
from siantar_identity.notify.notifiers import Channel, DeliveryError, Message, Notifier
from siantar_identity.notify.templates import render
from siantar_shared.i18n import Language

logger = logging.getLogger("siantar_identity.notify")


async def send(
    session: AsyncSession,
    notifiers: dict[Channel, Notifier],
    *,
    account_id: UUID,
    channel: Channel,
    to: str,
    template: str,
    language: Language,
    params: dict[str, str],
    at: datetime,
    requested_by: str | None = None,
) -> Notification:
    """Render `template` in the person's language and send it on `channel` to `to`. A delivery failure is
    recorded (status failed) and logged without address or content; it does not raise."""
    subject, body = render(template, language, params)
    entry = Notification(account_id=account_id, template=template, channel=channel, requested_by=requested_by)
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

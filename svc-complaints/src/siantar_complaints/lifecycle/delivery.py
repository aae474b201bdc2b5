"""Delivering the notification outbox to identity (`deliver-notifications` job).

Each run takes up to `NOTIFY_BATCH` pending messages that are due, oldest first (on PostgreSQL with `FOR UPDATE
SKIP LOCKED`, so a second runner would take others; the job's lease already keeps runs apart), and asks
identity to send each:
- accepted (202: sent, or nobody to reach, which identity records): `sent`;
- identity unreachable, 429 or 5xx: tried again after a backoff doubling from `NOTIFY_BACKOFF_SECONDS` up to
  `NOTIFY_BACKOFF_MAX_SECONDS`; after `NOTIFY_MAX_ATTEMPTS` tries, `failed`;
- any other refusal (an unknown person, a template or parameter identity rejects): `failed` at once, since
  trying again cannot help. `last_error` keeps the outcome (`http_422`), never the message's content.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.identity.services import NotifyOutcome
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_shared.db import utcnow

logger = logging.getLogger("siantar_complaints.lifecycle")


class Notifier(Protocol):
    async def notify(self, subject_id: UUID, template: str, params: dict[str, Any]) -> NotifyOutcome: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int, settings: LifecycleSettings) -> timedelta:
    """The wait after the `attempts`-th failed try (1, 2, ...): base, 2 x base, 4 x base... capped."""
    seconds = settings.NOTIFY_BACKOFF_SECONDS * 2 ** min(attempts - 1, 30)
    return timedelta(seconds=min(seconds, settings.NOTIFY_BACKOFF_MAX_SECONDS))


async def deliver(
    session: AsyncSession, notifier: Notifier, settings: LifecycleSettings, *, now: datetime | None = None
) -> DeliveryReport:
    """Send the due messages once; the caller (the job runner) commits."""
    now = now or utcnow()
    statement = (
        select(NotificationOutbox)
        .where(NotificationOutbox.status == "pending", NotificationOutbox.next_attempt_at <= now)
        .order_by(NotificationOutbox.next_attempt_at, NotificationOutbox.id)
        .limit(settings.NOTIFY_BATCH)
        .with_for_update(skip_locked=True)
    )
    report = DeliveryReport()
    for message in await session.scalars(statement):
        outcome = await _send(notifier, message)
        _record(message, outcome, settings, now, report)
    await session.flush()
    if report.sent or report.retried or report.failed:
        logger.info(
            "notifications: %d sent, %d to retry, %d failed", report.sent, report.retried, report.failed
        )
    return report


async def _send(notifier: Notifier, message: NotificationOutbox) -> NotifyOutcome:
    try:
        return await notifier.notify(message.recipient_id, message.template, message.params)
    except Exception as exc:  # noqa: BLE001 - one failure must not lose the batch: retry this message later
        logger.warning("notification %s: %s", message.id, type(exc).__name__)
        return NotifyOutcome(accepted=False, status=type(exc).__name__, retryable=True)


def _record(
    message: NotificationOutbox,
    outcome: NotifyOutcome,
    settings: LifecycleSettings,
    now: datetime,
    report: DeliveryReport,
) -> None:
    message.attempts += 1
    if outcome.accepted:
        message.status, message.sent_at, message.last_error = "sent", now, None
        report.sent += 1
        return
    message.last_error = outcome.status[:200]
    if outcome.retryable and message.attempts < settings.NOTIFY_MAX_ATTEMPTS:
        message.next_attempt_at = now + backoff(message.attempts, settings)
        report.retried += 1
        return
    message.status = "failed"
    report.failed += 1

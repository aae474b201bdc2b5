"""The lifecycle's periodic jobs, for `python -m siantar_complaints job NAME` (cron, or a CronJob in production;
every minute under `make run`):

- `deliver-notifications`: the notification outbox to identity, with retries and backoff (delivery.py);
- `sla-watch`: reminders, escalations of breaches, closing after silence (sla_watch.py).

Register them on the service's runner with `register_lifecycle_jobs(runner, identity_services)`, the identity
services open for as long as the runner is.
"""

from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.lifecycle import delivery, sla_watch
from siantar_complaints.lifecycle.config import LifecycleSettings
from siantar_shared.jobs import JobRunner

DELIVER_NOTIFICATIONS = "deliver-notifications"
SLA_WATCH = "sla-watch"
LEASE = timedelta(minutes=5)


class Identity(delivery.Notifier, sla_watch.StaffDirectory, Protocol):
    """What the jobs need of identity: delivering messages and listing who holds a role."""


def register_lifecycle_jobs(
    runner: JobRunner, identity: Identity, settings: LifecycleSettings | None = None
) -> None:
    settings = settings or LifecycleSettings()

    async def deliver_notifications(session: AsyncSession) -> None:
        await delivery.deliver(session, identity, settings)

    async def watch_sla(session: AsyncSession) -> None:
        await sla_watch.watch(session, settings, directory=identity)

    runner.register(DELIVER_NOTIFICATIONS, deliver_notifications, lease=LEASE)
    runner.register(SLA_WATCH, watch_sla, lease=LEASE)

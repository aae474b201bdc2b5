"""The periodic jobs of svc-complaints, on the shared runner (leases: one runner at a time per job):

- `purge-idempotency-keys` (platform);
- `deliver-notifications` and `sla-watch` (lifecycle: messages to identity; SLA reminders, escalations and
  closing after silence);
- `follow-identity-erasures` (erasure: identity's feed of erased accounts, their complaints pseudonymised);
- `sweep-photo-files` (photos: files a crash left in storage without their photo row).

`python -m siantar_complaints jobs` lists them, `job NAME` runs one (cron or a Kubernetes CronJob in
production), `jobs --every 60` runs them all every minute (`make run`).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from siantar_complaints.config import Settings
from siantar_complaints.erasure.jobs import register_erasure_jobs
from siantar_complaints.identity.services import open_identity_services
from siantar_complaints.lifecycle.jobs import register_lifecycle_jobs
from siantar_complaints.models import platform
from siantar_complaints.photo.jobs import register_photo_jobs
from siantar_shared.jobs import JobRunner, open_job_runner
from siantar_shared.storage import build_storage


@asynccontextmanager
async def open_complaints_runner(settings: Settings) -> AsyncIterator[JobRunner]:
    async with open_job_runner(settings, platform) as runner, open_identity_services(settings) as identity:
        register_lifecycle_jobs(runner, identity)
        register_erasure_jobs(runner, identity)
        register_photo_jobs(runner, build_storage(settings))
        yield runner

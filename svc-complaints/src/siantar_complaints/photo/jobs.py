"""The photos' periodic job, for `python -m siantar_complaints job sweep-photo-files` (daily in production, every
minute under `make run`): files left in storage by a crash between a photo's put and its commit are deleted
(`complaint.photos.sweep_orphans`). Register it with `register_photo_jobs(runner, storage)`."""

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import photos
from siantar_shared.db import utcnow
from siantar_shared.jobs import JobRunner
from siantar_shared.storage import Storage

SWEEP_PHOTO_FILES = "sweep-photo-files"
LEASE = timedelta(minutes=30)


def register_photo_jobs(runner: JobRunner, storage: Storage) -> None:
    async def sweep(session: AsyncSession) -> None:
        await photos.sweep_orphans(session, storage, now=utcnow())

    runner.register(SWEEP_PHOTO_FILES, sweep, lease=LEASE)

"""Photos of complaints: checked by content (JPEG, PNG, WebP), at most PHOTO_MAX_BYTES, EXIF and its GPS stripped,
a thumbnail made, off the event loop; stored through the storage interface (local files or S3). One photo per
request, so that an upload over a bad mobile network is retried alone. A photo's files are put before its row
is committed (a rollback deletes them); `sweep_orphans` (the `sweep-photo-files` job) deletes the files a crash
in between left behind."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from uuid import UUID, uuid4

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.exceptions import TooManyPhotos
from siantar_complaints.complaint.models import Complaint, ComplaintPhoto
from siantar_complaints.photo import images
from siantar_shared.db import on_rollback
from siantar_shared.i18n import Text
from siantar_shared.storage import Storage, delete_unnamed
from siantar_shared.threads import run_cpu_bound

logger = logging.getLogger(__name__)
THUMBNAIL_TYPE = images.THUMBNAIL_FORMAT.media_type
KEY_PREFIX = "complaints/"  # every photo file: complaints/<complaint id>/<photo id>.<ext> (+ .thumb.webp)
# a file older than this that no photo row names is an orphan: far longer than any request that writes one
ORPHAN_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class PreparedPhoto:
    """A checked photo, stripped of metadata, with its thumbnail: ready to store."""

    data: bytes
    thumbnail: bytes
    info: images.ImageInfo
    sha256: str


def _prepare(data: bytes, max_bytes: int) -> PreparedPhoto:
    info = images.inspect_image(data, max_bytes=max_bytes)
    clean = images.strip_metadata(data, info.format)
    thumbnail = images.make_thumbnail(clean)
    return PreparedPhoto(clean, thumbnail, info, hashlib.sha256(clean).hexdigest())


async def prepare(data: bytes, *, max_bytes: int) -> PreparedPhoto:
    """Check and clean `data` in a worker thread (422/413 problems for what is refused)."""
    return await run_cpu_bound(_prepare, data, max_bytes)


async def attach(
    session: AsyncSession,
    storage: Storage,
    complaint: Complaint,
    photo: PreparedPhoto,
    *,
    uploaded_by: UUID | None,
    limit: int,
    now: datetime,
    update_id: UUID | None = None,
) -> ComplaintPhoto:
    """Store the photo and add it to the complaint, within the limit (counted under the complaint's row lock:
    the UPDATE of photo_count is conditional on the count being below the limit)."""
    counted = await session.execute(
        update(Complaint)
        .where(Complaint.id == complaint.id, Complaint.photo_count < limit)
        .values(photo_count=Complaint.photo_count + 1)
        .returning(Complaint.photo_count)
        .execution_options(synchronize_session=False)
    )
    if counted.scalar_one_or_none() is None:
        raise TooManyPhotos(
            Text(f"Paling banyak {limit} foto per pengaduan", f"At most {limit} photos per complaint")
        )
    photo_id = uuid4()
    extension = photo.info.format.value
    key = f"{KEY_PREFIX}{complaint.id}/{photo_id}.{extension}"
    thumbnail_key = f"{KEY_PREFIX}{complaint.id}/{photo_id}.thumb.webp"
    on_rollback(session, partial(_discard, storage, (key, thumbnail_key)))  # no file without its row
    await storage.put(key, photo.data, photo.info.media_type)
    await storage.put(thumbnail_key, photo.thumbnail, THUMBNAIL_TYPE)
    record = ComplaintPhoto(
        id=photo_id,
        complaint_id=complaint.id,
        update_id=update_id,
        storage_key=key,
        thumbnail_key=thumbnail_key,
        content_type=photo.info.media_type,
        width=photo.info.width,
        height=photo.info.height,
        size_bytes=len(photo.data),
        sha256=photo.sha256,
        uploaded_by_id=uploaded_by,
        created_at=now,
    )
    session.add(record)
    await session.flush()
    await session.refresh(complaint, attribute_names=["photo_count", "version"])
    return record


async def _discard(storage: Storage, keys: tuple[str, ...]) -> None:
    """The files of a photo whose row was rolled back (a missing key is no error)."""
    for key in keys:
        await storage.delete(key)


async def sweep_orphans(
    session: AsyncSession, storage: Storage, *, now: datetime, older_than: timedelta = ORPHAN_AFTER
) -> int:
    """Delete the photo files that no photo row names and that are older than `older_than` (a crash between a
    photo's put and its commit leaves them: the request's rollback, which deletes them, never ran). Returns how
    many were deleted. Hidden and moderated photos keep their rows, and so their files."""

    async def named(keys: list[str]) -> set[str]:
        statement = select(ComplaintPhoto.storage_key, ComplaintPhoto.thumbnail_key).where(
            or_(ComplaintPhoto.storage_key.in_(keys), ComplaintPhoto.thumbnail_key.in_(keys))
        )
        return {key for row in await session.execute(statement) for key in row}

    deleted = await delete_unnamed(storage, KEY_PREFIX, named, older_than=older_than, now=now)
    if deleted:
        logger.warning("deleted photo files no photo names", extra={"count": deleted})
    return deleted


async def count(session: AsyncSession, complaint_id: UUID) -> int:
    total = await session.scalar(
        select(func.count()).select_from(ComplaintPhoto).where(ComplaintPhoto.complaint_id == complaint_id)
    )
    return int(total or 0)

"""The `sweep-document-files` job (daily in production, every minute under `make run`): the files a crash left
between their put and the commit of the row that names them (the rollback that deletes them never ran) are
deleted once older than `ORPHAN_AFTER`. Two kinds of file: application documents (`applications/`, named by
`ApplicationDocument.storage_key`) and issued permits' PDFs (`permits/`, named by `Permit.pdf_key`). Documents
of erased applicants were deleted with their data, their rows renamed to `erased/...`."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from siantar_permits.document.models import ApplicationDocument
from siantar_permits.document.service import KEY_PREFIX as DOCUMENTS
from siantar_permits.permit.models import Permit
from siantar_permits.permit.service import PDF_KEY_PREFIX as PERMIT_PDFS
from siantar_shared.storage import Storage, delete_unnamed

logger = logging.getLogger(__name__)
SWEEP_DOCUMENT_FILES = "sweep-document-files"
# a file older than this that no row names is an orphan: far longer than any request that writes one
ORPHAN_AFTER = timedelta(hours=1)
NAMED_BY: tuple[tuple[str, InstrumentedAttribute[str]], ...] = (
    (DOCUMENTS, ApplicationDocument.storage_key),
    (PERMIT_PDFS, Permit.pdf_key),
)


async def sweep_orphans(
    session: AsyncSession, storage: Storage, *, now: datetime, older_than: timedelta = ORPHAN_AFTER
) -> int:
    """Delete the document and permit files no row names, older than `older_than`; returns how many."""
    deleted = 0
    for prefix, column in NAMED_BY:

        async def named(keys: list[str], column: InstrumentedAttribute[str] = column) -> set[str]:
            return set(await session.scalars(select(column).where(column.in_(keys))))

        deleted += await delete_unnamed(storage, prefix, named, older_than=older_than, now=now)
    if deleted:
        logger.warning("deleted document files no row names", extra={"count": deleted})
    return deleted

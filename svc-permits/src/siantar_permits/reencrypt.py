"""Key rotation for the personal data sealed at rest (`siantar_permits.personal`): re-seal with the active key
every value sealed with another one.

Rotate by putting a new `kid:base64(32 bytes)` entry first in `PERMITS_ENCRYPTION_KEYS` (keeping the old one
after it), restart, run `python -m siantar_permits job reencrypt-personal-data` until it logs `0 left`, then
drop the old entry and restart again (deploy/README.md, "Rotating secrets").

The job reads and writes the raw ciphertext, not through the column types (which cannot read a value whose
key has left the ring). SQL selects only values whose header names another key than the active one, a page
at a time in id order (keyset), and a value is replaced only where the column still holds the ciphertext
that was read, so a run never overwrites a change made meanwhile; `modified_at` stays, since the data is
the same. A run re-seals at most `limit` values per column (the runner commits them at its end): running
it again resumes, and once nothing is stale a run changes nothing. A value under a key the ring does not
hold, or that does not authenticate, is reported (count, row id, key id) and left as it is: it opens again
once its key is put back in the ring.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import Column, LargeBinary, Table, func, select, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.models import Base
from siantar_permits.personal import SealedJSON, SealedText
from siantar_shared.fieldcrypt import FORMAT_VERSION, DecryptionError, KeyRing

logger = logging.getLogger("siantar_permits.reencrypt")
PAGE = 200  # rows read per query
LIMIT = 1000  # values re-sealed per column and run: a run stays well inside its 10-minute lease
LOGGED_UNREADABLE = 10  # row ids logged per column and run (the count covers them all)


@dataclass
class ColumnReport:
    """What one run did to one sealed column."""

    resealed: int = 0
    unreadable: dict[str, int] = field(default_factory=dict)  # key id -> values left as they are
    more: bool = False  # stopped at the limit: another run has work to do


@dataclass
class Report:
    """What one run did, by column context ("application.form")."""

    key_id: str
    columns: dict[str, ColumnReport] = field(default_factory=dict)

    @property
    def resealed(self) -> int:
        return sum(c.resealed for c in self.columns.values())

    @property
    def unreadable(self) -> int:
        return sum(sum(c.unreadable.values()) for c in self.columns.values())

    @property
    def done(self) -> bool:
        """Nothing left that a run could re-seal (unreadable values need their key back first)."""
        return not any(c.more for c in self.columns.values())


def sealed_columns() -> Iterator[tuple[Table, Column[Any], str]]:
    """Every sealed column of the service's tables, with the context its values are bound to."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, SealedText | SealedJSON):
                yield table, column, column.type.context


def header(kid: str) -> bytes:
    """The first bytes of every ciphertext sealed with `kid` (`siantar_shared.fieldcrypt`'s format)."""
    encoded = kid.encode()
    return bytes([FORMAT_VERSION, len(encoded)]) + encoded


def stored_key_id(ring: KeyRing, blob: bytes) -> str:
    return ring.key_id(blob) if len(blob) >= 2 else "?"


async def stale_page(
    session: AsyncSession, table: Table, column: Column[Any], ring: KeyRing, after: UUID | None
) -> list[tuple[UUID, bytes]]:
    """The next `PAGE` rows (by id, after `after`) whose value is not sealed with the active key."""
    raw = type_coerce(column, LargeBinary)
    active = header(ring.active)
    statement = (
        select(table.c.id, raw)
        .where(column.is_not(None), func.substr(raw, 1, len(active)) != type_coerce(active, LargeBinary))
        .order_by(table.c.id)
        .limit(PAGE)
    )
    if after is not None:
        statement = statement.where(table.c.id > after)
    return [(row_id, bytes(blob)) for row_id, blob in (await session.execute(statement)).all()]


async def reseal(
    session: AsyncSession, table: Table, column: Column[Any], row_id: UUID, blob: bytes, sealed: bytes
) -> None:
    """Replace `blob` by `sealed` in that row, unless the column changed since it was read."""
    raw = type_coerce(column, LargeBinary)
    await session.execute(
        update(table)
        .where(table.c.id == row_id, raw == type_coerce(blob, LargeBinary))
        .values({column.name: type_coerce(sealed, LargeBinary), "modified_at": table.c.modified_at})
    )


async def reencrypt_column(
    session: AsyncSession, table: Table, column: Column[Any], context: str, ring: KeyRing, *, limit: int
) -> ColumnReport:
    report, after = ColumnReport(), None
    while page := await stale_page(session, table, column, ring, after):
        for row_id, blob in page:
            after = row_id
            try:
                sealed = ring.encrypt(ring.decrypt(blob, context=context), context=context)
            except DecryptionError as exc:
                kid = stored_key_id(ring, blob)
                if sum(report.unreadable.values()) < LOGGED_UNREADABLE:
                    logger.warning(
                        "%s of %s %s (key %s) left as it is: %s", context, table.name, row_id, kid, exc
                    )
                report.unreadable[kid] = report.unreadable.get(kid, 0) + 1
                continue
            if report.resealed == limit:
                report.more = True
                return report
            await reseal(session, table, column, row_id, blob, sealed)
            report.resealed += 1
    return report


async def reencrypt(session: AsyncSession, ring: KeyRing, *, limit: int = LIMIT) -> Report:
    """Re-seal with the active key up to `limit` values per sealed column sealed with another key."""
    report = Report(ring.active)
    for table, column, context in sealed_columns():
        report.columns[context] = await reencrypt_column(session, table, column, context, ring, limit=limit)
    left = "more left: run it again" if not report.done else "0 left"
    logger.info(
        "re-sealed %d values with key %s (%s); %d unreadable left as they are; %s",
        report.resealed,
        ring.active,
        ", ".join(f"{ctx} {c.resealed}" for ctx, c in report.columns.items()),
        report.unreadable,
        left,
    )
    if report.unreadable:
        unreadable = {ctx: c.unreadable for ctx, c in report.columns.items() if c.unreadable}
        logger.error("values no key of PERMITS_ENCRYPTION_KEYS opens, by column and key id: %s", unreadable)
    return report

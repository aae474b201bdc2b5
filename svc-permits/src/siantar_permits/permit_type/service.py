"""Rules of the permit-type catalogue: reading it, admins adding types and making new versions.

A change never edits a version: it adds one (`permit_type_version`), points the type at it and announces it
(`id.go.pematangsiantar.permits.permit-type.changed`) in the same transaction.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from siantar_permits.audit import Actor
from siantar_permits.models import platform
from siantar_permits.permit_type import schemas
from siantar_permits.permit_type.exceptions import PermitTypeExists, PermitTypeNotFound
from siantar_permits.permit_type.models import PermitType, PermitTypeVersion
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.errors import PreconditionFailed
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import Text

EVENT_TYPE = "id.go.pematangsiantar.permits.permit-type.changed"


def definition_of(row: PermitType | PermitTypeVersion) -> schemas.PermitTypeDefinition:
    return schemas.PermitTypeDefinition.model_validate(row.definition)


def to_schema(row: PermitType) -> schemas.PermitType:
    return schemas.PermitType(
        code=row.code,
        version=row.version,
        active=row.active,
        definition=definition_of(row),
        modified_at=row.modified_at or row.created_at,
    )


def etag_of(row: PermitType) -> str:
    return version_tag(row.version)


async def get(session: AsyncSession, code: str) -> PermitType:
    row = await session.scalar(select(PermitType).where(PermitType.code == code))
    if row is None:
        raise PermitTypeNotFound(Text(f"Tidak ada jenis izin {code}", f"No permit type {code}"))
    return row


async def current_version(session: AsyncSession, row: PermitType) -> PermitTypeVersion:
    version = await session.get(PermitTypeVersion, row.current_version_id)
    assert version is not None  # every type has at least its first version
    return version


async def get_version_by_id(session: AsyncSession, version_id: Any) -> PermitTypeVersion:
    version = await session.get(PermitTypeVersion, version_id)
    assert version is not None  # a foreign key
    return version


_PARSED: dict[UUID, schemas.PermitTypeDefinition] = {}
_PARSED_MAX = 4096


async def definition_by_version(session: AsyncSession, version_id: UUID) -> schemas.PermitTypeDefinition:
    """The definition of a version, parsed once per process: versions are never changed after they are
    written (a change adds a version), so the parsed form can be kept (listing 50 applications would
    otherwise validate 50 definitions)."""
    parsed = _PARSED.get(version_id)
    if parsed is None:
        parsed = definition_of(await get_version_by_id(session, version_id))
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[version_id] = parsed
    return parsed


async def list_types(session: AsyncSession, *, include_inactive: bool) -> schemas.PermitTypeList:
    statement = select(PermitType).order_by(PermitType.code)
    if not include_inactive:
        statement = statement.where(PermitType.active.is_(True))
    return schemas.PermitTypeList(items=[to_schema(row) for row in await session.scalars(statement)])


async def list_versions(session: AsyncSession, row: PermitType) -> schemas.PermitTypeVersionList:
    statement = (
        select(PermitTypeVersion)
        .where(PermitTypeVersion.type_code == row.code)
        .order_by(PermitTypeVersion.number.desc())
    )
    return schemas.PermitTypeVersionList(items=[version_schema(v) for v in await session.scalars(statement)])


def version_schema(version: PermitTypeVersion) -> schemas.PermitTypeVersion:
    return schemas.PermitTypeVersion(
        code=version.type_code,
        version=version.number,
        active=version.active,
        definition=definition_of(version),
        reason=version.reason,
        actor_id=version.actor_id,
        actor_client_id=version.actor_client_id,
        created_at=version.created_at,
    )


async def create(
    session: AsyncSession, data: schemas.PermitTypeCreate, *, by: Actor, announce: bool = True
) -> PermitType:
    if await session.scalar(select(PermitType.id).where(PermitType.code == data.code)) is not None:
        raise _exists(data.code)
    definition = data.definition.model_dump(mode="json")
    row = PermitType(code=data.code, active=data.active, definition=definition)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _exists(data.code) from exc
    await _add_version(session, row, reason=data.reason, by=by, announce=announce)
    return row


async def update(
    session: AsyncSession,
    row: PermitType,
    data: schemas.PermitTypeUpdate,
    *,
    if_match: str | None,
    by: Actor,
) -> PermitType:
    """A new version if `if_match` names the current one (428 without it, 412 when stale)."""
    require_match(if_match, etag_of(row))
    row.definition = data.definition.model_dump(mode="json")
    row.active = data.active
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            Text(
                "Jenis izin ini baru saja diubah pihak lain",
                "This permit type was just changed by someone else",
            )
        ) from exc
    await _add_version(session, row, reason=data.reason, by=by, announce=True)
    return row


async def _add_version(
    session: AsyncSession, row: PermitType, *, reason: str, by: Actor, announce: bool
) -> None:
    version = PermitTypeVersion(
        type_code=row.code,
        number=row.version,
        active=row.active,
        definition=row.definition,
        reason=reason,
        actor_id=by.id,
        actor_client_id=by.client_id,
    )
    session.add(version)
    await session.flush()
    # not through the ORM's unit of work: pointing at the version is not a new version of the type
    await session.execute(
        sql_update(PermitType)
        .where(PermitType.id == row.id)
        .values(current_version_id=version.id)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(row, "current_version_id", version.id)
    if announce:
        await emit(
            session,
            platform,
            type=EVENT_TYPE,
            subject=row.code,
            data={"code": row.code, "version": row.version, "active": row.active},
            source=event_source("permits"),
        )


def _exists(code: str) -> PermitTypeExists:
    return PermitTypeExists(Text(f"Jenis izin {code} sudah ada", f"Permit type {code} already exists"))

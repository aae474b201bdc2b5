"""Rules of the service catalogue: reading it, and admins creating and changing categories.

Every change is checked against the catalogue (group, SLA class) and identity's OPD list, recorded in
`category_change` (who, when, why, before/after) and announced on the event feed
(`id.go.pematangsiantar.complaints.category.changed`) in the same transaction.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_complaints.audit import Actor, Change, ChangeList, change_action, snapshot
from siantar_complaints.category import repository, schemas
from siantar_complaints.category.attributes import Description, Name
from siantar_complaints.category.exceptions import CategoryExists, CategoryInvalid, CategoryNotFound
from siantar_complaints.category.models import Category, CategoryChange, CategoryGroup
from siantar_complaints.identity.client import AgencyDirectory
from siantar_complaints.models import platform
from siantar_complaints.sla import service as sla_service
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.errors import PreconditionFailed
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import Text

EVENT_TYPE = "id.go.pematangsiantar.complaints.category.changed"
COLUMNS = (
    "name_id",
    "name_en",
    "description_id",
    "description_en",
    "group_code",
    "type",
    "opd_code",
    "sla_class_code",
    "attributes",
    "anonymous_allowed",
    "response_templates",
    "keywords",
    "active",
)
_RENAMED = {"group": "group_code", "sla_class": "sla_class_code"}


def columns_of(data: schemas.CategoryCreate | schemas.CategoryUpdate) -> dict[str, Any]:
    """The column values a body sets (for an update, only the fields sent), JSON-ready."""
    partial = isinstance(data, schemas.CategoryUpdate)
    values = data.model_dump(mode="json", exclude_unset=partial, exclude={"code", "reason"})
    columns: dict[str, Any] = {}
    for field, value in values.items():
        if field in ("name", "description"):
            columns[f"{field}_id"], columns[f"{field}_en"] = value["id"], value["en"]
        else:
            columns[_RENAMED.get(field, field)] = value
    return columns


def to_schema(category: Category) -> schemas.Category:
    return schemas.Category.model_validate(_fields(category))


def to_admin_schema(category: Category) -> schemas.CategoryAdmin:
    return schemas.CategoryAdmin.model_validate(
        {**_fields(category), "response_templates": category.response_templates}
    )


def _fields(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": Name(id=category.name_id, en=category.name_en),
        "description": Description(id=category.description_id, en=category.description_en),
        "group": category.group_code,
        "type": category.type,
        "opd_code": category.opd_code,
        "sla_class": category.sla_class_code,
        "attributes": category.attributes,
        "anonymous_allowed": category.anonymous_allowed,
        "keywords": category.keywords,
        "active": category.active,
        "version": category.version,
        "created_at": category.created_at,
        "modified_at": category.modified_at,
    }


def etag_of(category: Category) -> str:
    return version_tag(category.version)


async def get(session: AsyncSession, code: str) -> Category:
    category = await repository.get_by_code(session, code)
    if category is None:
        raise CategoryNotFound(Text(f"Tidak ada kategori berkode {code}", f"No category with code {code}"))
    return category


async def list_categories(
    session: AsyncSession,
    *,
    group: str | None,
    type_: schemas.CategoryType | None,
    include_inactive: bool,
) -> schemas.CategoryList:
    """Categories, by code; `group` also takes in its subgroups (the topics are a tree)."""
    groups = subtree(await repository.list_groups(session), group) if group else None
    rows = await repository.list_categories(
        session, groups=groups, type_=type_.value if type_ else None, include_inactive=include_inactive
    )
    return schemas.CategoryList(items=[to_schema(row) for row in rows])


def subtree(groups: Iterable[CategoryGroup], root: str) -> set[str]:
    """`root` and every group under it; 422 if there is no such group."""
    children: dict[str | None, list[str]] = {}
    for group in groups:
        children.setdefault(group.parent_code, []).append(group.code)
    if not any(root in codes for codes in children.values()):
        raise CategoryInvalid(Text(f"Tidak ada grup {root}", f"There is no group {root}"))
    found, pending = set(), [root]
    while pending:
        code = pending.pop()
        if code not in found:
            found.add(code)
            pending.extend(children.get(code, []))
    return found


async def list_groups(session: AsyncSession) -> schemas.CategoryGroupList:
    return schemas.CategoryGroupList(items=[_group(row) for row in await repository.list_groups(session)])


def _group(row: CategoryGroup) -> schemas.CategoryGroup:
    return schemas.CategoryGroup(
        code=row.code,
        parent=row.parent_code,
        name=Name(id=row.name_id, en=row.name_en),
        position=row.position,
    )


def templates(category: Category) -> schemas.CategoryTemplates:
    return schemas.CategoryTemplates.model_validate(
        {"code": category.code, "version": category.version, "items": category.response_templates}
    )


async def list_changes(session: AsyncSession, category: Category) -> ChangeList:
    rows = await repository.list_changes(session, category.code)
    return ChangeList(items=[Change.model_validate(row) for row in rows])


async def create(
    session: AsyncSession, data: schemas.CategoryCreate, *, by: Actor, agencies: AgencyDirectory
) -> Category:
    if await repository.get_by_code(session, data.code) is not None:
        raise _exists(data.code)
    columns = columns_of(data)
    await _check_catalogue(session, columns)
    await _check_opd(agencies, data.opd_code, active=data.active)
    category = Category(code=data.code, **columns)
    session.add(category)
    try:
        await session.flush()
    except IntegrityError as exc:  # created by someone else since the check above
        raise _exists(data.code) from exc
    await record(session, category, action="created", by=by, reason=data.reason, before=None, columns=COLUMNS)
    return category


async def update(
    session: AsyncSession,
    category: Category,
    changes: schemas.CategoryUpdate,
    *,
    if_match: str | None,
    by: Actor,
    agencies: AgencyDirectory,
) -> Category:
    """Apply `changes` if `if_match` names the version read. The UPDATE is conditional on that version too,
    so a change committed in between is never overwritten (412 instead)."""
    require_match(if_match, etag_of(category))
    changed = {name: value for name, value in columns_of(changes).items() if getattr(category, name) != value}
    if not changed:
        return category
    await _check_catalogue(session, changed)
    if "opd_code" in changed or changed.get("active") is True:
        active = changed.get("active", category.active)
        await _check_opd(agencies, changed.get("opd_code", category.opd_code), active=active)
    before = snapshot(category, list(changed))
    for name, value in changed.items():
        setattr(category, name, value)
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            Text("Kategori ini baru saja diubah pihak lain", "This category was just changed by someone else")
        ) from exc
    action = change_action(changed)
    await record(
        session, category, action=action, by=by, reason=changes.reason, before=before, columns=changed
    )
    return category


async def record(
    session: AsyncSession,
    category: Category,
    *,
    action: str,
    by: Actor,
    reason: str,
    before: dict[str, Any] | None,
    columns: Iterable[str],
    announce: bool = True,
) -> None:
    """Write the history row, then the event (the outbox write comes last: see `siantar_shared.events`).
    Seeding does not announce: the initial catalogue is read from `GET /categories`, as identity's seeded
    OPD list is from `GET /agencies`."""
    fields = list(columns)
    change = CategoryChange(
        category_code=category.code,
        action=action,
        version=category.version,
        reason=reason,
        before=before,
        after=snapshot(category, fields),
    )
    change.set_actor(by)
    session.add(change)
    await session.flush()
    if not announce:
        return
    data = {"code": category.code, "version": category.version, "action": action, "changed": fields}
    await emit(
        session,
        platform,
        type=EVENT_TYPE,
        subject=category.code,
        data=data,
        source=event_source("complaints"),
    )


async def _check_catalogue(session: AsyncSession, columns: dict[str, Any]) -> None:
    group, sla_class = columns.get("group_code"), columns.get("sla_class_code")
    if group is not None and not await repository.group_exists(session, group):
        raise CategoryInvalid(Text(f"Tidak ada grup {group}", f"There is no group {group}"))
    if sla_class is not None and not await sla_service.exists(session, sla_class):
        raise CategoryInvalid(Text(f"Tidak ada kelas SLA {sla_class}", f"There is no SLA class {sla_class}"))


async def _check_opd(agencies: AgencyDirectory, code: str, *, active: bool) -> None:
    """An active category needs an active OPD; an inactive one (being prepared) a known OPD."""
    if active:
        await agencies.require_usable(code)
    else:
        await agencies.require_known(code)


def _exists(code: str) -> CategoryExists:
    return CategoryExists(Text(f"Kategori {code} sudah ada", f"Category {code} already exists"))

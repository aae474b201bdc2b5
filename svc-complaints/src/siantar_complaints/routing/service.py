"""Rules of routing: deciding for a category and place, and admins keeping the rules.

Every change to a rule is checked (the category exists, the OPD is in identity's list, no identical active
rule), recorded in `routing_rule_change` and announced on the event feed
(`id.go.pematangsiantar.complaints.routing_rule.changed`) in the same transaction.
"""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_complaints.audit import Actor, Change, ChangeList, change_action, snapshot
from siantar_complaints.category import repository as category_repository
from siantar_complaints.category.models import Category
from siantar_complaints.identity.client import AgencyDirectory
from siantar_complaints.models import platform
from siantar_complaints.routing import repository, schemas
from siantar_complaints.routing.decision import RoutingDecision, route
from siantar_complaints.routing.exceptions import RoutingRuleConflict, RoutingRuleNotFound, UnknownCategory
from siantar_complaints.routing.models import RoutingRule, RoutingRuleChange
from siantar_shared import wilayah
from siantar_shared.conditional import require_match, version_tag
from siantar_shared.errors import PreconditionFailed
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import Text

EVENT_TYPE = "id.go.pematangsiantar.complaints.routing_rule.changed"
COLUMNS = ("category_code", "kecamatan_code", "opd_code", "priority", "active", "note")


async def decide(
    session: AsyncSession, category_code: str, kecamatan_code: str | None
) -> tuple[Category, RoutingDecision]:
    """The active category (422 if unknown or inactive) and where its complaint at `kecamatan_code` goes."""
    category = await category_repository.get_with_rules(session, category_code)
    if category is None or not category.active:
        raise UnknownCategory(
            Text(
                f"Kategori {category_code} tidak ada atau tidak aktif", f"No active category {category_code}"
            )
        )
    return category, route(category, kecamatan_code)


async def preview(
    session: AsyncSession, category_code: str, kelurahan_code: str | None
) -> schemas.RoutingPreview:
    kelurahan = wilayah.kelurahan(kelurahan_code) if kelurahan_code else None
    kecamatan = wilayah.kecamatan(kelurahan.kecamatan_code) if kelurahan else None
    category, decision = await decide(session, category_code, kecamatan.code if kecamatan else None)
    return schemas.RoutingPreview(
        category=category.code,
        kelurahan=schemas.Place(code=kelurahan.code, name=kelurahan.name) if kelurahan else None,
        kecamatan=schemas.Place(code=kecamatan.code, name=kecamatan.name) if kecamatan else None,
        opd_code=decision.opd_code,
        rule_id=decision.rule_id,
        basis=decision.basis,
        reason=schemas.Bilingual(id=decision.reason.id, en=decision.reason.en),
    )


def to_schema(rule: RoutingRule) -> schemas.RoutingRule:
    return schemas.RoutingRule(
        id=rule.id,
        category=rule.category_code,
        kecamatan=rule.kecamatan_code,
        opd_code=rule.opd_code,
        priority=rule.priority,
        active=rule.active,
        note=rule.note,
        version=rule.version,
        created_at=rule.created_at,
        modified_at=rule.modified_at,
    )


def etag_of(rule: RoutingRule) -> str:
    return version_tag(rule.version)


async def get(session: AsyncSession, rule_id: UUID) -> RoutingRule:
    rule = await repository.get(session, rule_id)
    if rule is None:
        raise RoutingRuleNotFound(Text(f"Tidak ada aturan {rule_id}", f"No routing rule {rule_id}"))
    return rule


async def list_rules(
    session: AsyncSession, *, category: str | None, kecamatan: str | None, include_inactive: bool
) -> schemas.RoutingRuleList:
    rows = await repository.list_rules(
        session, category=category, kecamatan=kecamatan, include_inactive=include_inactive
    )
    return schemas.RoutingRuleList(items=[to_schema(rule) for rule in rows])


async def list_changes(session: AsyncSession, rule: RoutingRule) -> ChangeList:
    rows = await repository.list_changes(session, rule.id)
    return ChangeList(items=[Change.model_validate(row) for row in rows])


async def create(
    session: AsyncSession, data: schemas.RoutingRuleCreate, *, by: Actor, agencies: AgencyDirectory
) -> RoutingRule:
    if await category_repository.get_by_code(session, data.category) is None:
        raise UnknownCategory(Text(f"Tidak ada kategori {data.category}", f"No category {data.category}"))
    rule = RoutingRule(
        category_code=data.category,
        kecamatan_code=data.kecamatan,
        opd_code=data.opd_code,
        priority=data.priority,
        active=data.active,
        note=data.note,
    )
    await _check(session, rule, agencies, check_opd=True)
    session.add(rule)
    await session.flush()
    await _record(session, rule, action="created", by=by, reason=data.reason, before=None, fields=COLUMNS)
    return rule


async def update(
    session: AsyncSession,
    rule: RoutingRule,
    changes: schemas.RoutingRuleUpdate,
    *,
    if_match: str | None,
    by: Actor,
    agencies: AgencyDirectory,
) -> RoutingRule:
    """Apply `changes` if `if_match` names the version read (the UPDATE is conditional on it too)."""
    require_match(if_match, etag_of(rule))
    values = changes.model_dump(exclude_unset=True, exclude={"reason"})
    changed = {name: value for name, value in values.items() if getattr(rule, name) != value}
    if not changed:
        return rule
    before = snapshot(rule, list(changed))
    for name, value in changed.items():
        setattr(rule, name, value)
    await _check(session, rule, agencies, check_opd="opd_code" in changed or changed.get("active") is True)
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            Text("Aturan ini baru saja diubah pihak lain", "This rule was just changed by someone else")
        ) from exc
    action = change_action(changed)
    await _record(
        session, rule, action=action, by=by, reason=changes.reason, before=before, fields=list(changed)
    )
    return rule


async def _check(
    session: AsyncSession, rule: RoutingRule, agencies: AgencyDirectory, *, check_opd: bool
) -> None:
    """An active rule needs an active OPD (an inactive one, a known OPD) and no active twin."""
    if check_opd:
        if rule.active:
            await agencies.require_usable(rule.opd_code)
        else:
            await agencies.require_known(rule.opd_code)
    if not rule.active:
        return
    with session.no_autoflush:  # the rule being changed must not be written before the check
        twin = await repository.active_twin(
            session,
            category=rule.category_code,
            kecamatan=rule.kecamatan_code,
            priority=rule.priority,
            other_than=rule.id,
        )
    if twin is not None:
        raise RoutingRuleConflict(
            Text(
                f"Aturan {twin.id} sudah aktif untuk kategori, kecamatan dan prioritas yang sama",
                f"Rule {twin.id} is already active for the same category, kecamatan and priority",
            )
        )


async def _record(
    session: AsyncSession,
    rule: RoutingRule,
    *,
    action: str,
    by: Actor,
    reason: str,
    before: dict[str, Any] | None,
    fields: Iterable[str],
) -> None:
    """Write the history row, then the event (the outbox write comes last)."""
    names = list(fields)
    change = RoutingRuleChange(
        rule_id=rule.id,
        action=action,
        version=rule.version,
        reason=reason,
        before=before,
        after=snapshot(rule, names),
    )
    change.set_actor(by)
    session.add(change)
    await session.flush()
    data = {
        "rule_id": rule.id,
        "category": rule.category_code,
        "kecamatan": rule.kecamatan_code,
        "version": rule.version,
        "action": action,
        "changed": names,
    }
    await emit(
        session, platform, type=EVENT_TYPE, subject=str(rule.id), data=data, source=event_source("complaints")
    )

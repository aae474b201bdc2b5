"""Rules of the OPD master list: who is in effect, creating and changing agencies, seeding the list.

Agencies are never deleted (accounts, complaints and permits keep their codes): an admin ends one with
`valid_to` or switches it off with `active`. Every change is audited and published on the event feed
(`...identity.agency.created` / `.updated`), so services caching `GET /agencies` can refresh early.
"""

import csv
import io
from datetime import date
from importlib.resources import files
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from siantar_identity.agency import repository, schemas
from siantar_identity.agency.exceptions import AgencyExists, AgencyInvalid, AgencyNotFound
from siantar_identity.agency.models import Agency
from siantar_identity.models import platform
from siantar_identity.staff.actor import Actor
from siantar_shared.conditional import body_tag, require_match
from siantar_shared.errors import PreconditionFailed
from siantar_shared.events import emit, event_source
from siantar_shared.i18n import LocalizedValueError, Text

EVENT_PREFIX = "id.go.pematangsiantar.identity.agency."
SEED_FILE = "opd.csv"
_FIELDS = ("name", "short_name", "cluster", "active", "valid_from", "valid_to")


def in_effect(agency: Agency, today: date) -> bool:
    return (
        agency.active
        and (agency.valid_from is None or agency.valid_from <= today)
        and (agency.valid_to is None or agency.valid_to >= today)
    )


def to_schema(agency: Agency, today: date) -> schemas.Agency:
    return schemas.Agency(
        code=agency.code,
        name=agency.name,
        short_name=agency.short_name,
        cluster=agency.cluster,
        active=agency.active,
        valid_from=agency.valid_from,
        valid_to=agency.valid_to,
        in_effect=in_effect(agency, today),
        version=agency.version,
    )


def etag_of(agency: Agency, today: date) -> str:
    """The entity tag `GET /agencies/{code}` sends for this agency today."""
    return body_tag(to_schema(agency, today).model_dump_json().encode())


async def get(session: AsyncSession, code: str) -> Agency:
    agency = await repository.get_by_code(session, code)
    if agency is None:
        raise AgencyNotFound(Text(f"Tidak ada OPD berkode {code}", f"No agency with code {code}"))
    return agency


async def require_in_effect(session: AsyncSession, code: str, today: date) -> Agency:
    """The agency, which must exist and be in effect today (to assign staff to it)."""
    agency = await repository.get_by_code(session, code)
    if agency is None or not in_effect(agency, today):
        raise AgencyInvalid(
            Text(f"OPD {code} tidak ada atau tidak aktif", f"Agency {code} does not exist or is not active")
        )
    return agency


async def list_agencies(session: AsyncSession, *, today: date, include_inactive: bool) -> schemas.AgencyList:
    rows = await repository.list_agencies(session, today=today, include_inactive=include_inactive)
    return schemas.AgencyList(items=[to_schema(agency, today) for agency in rows])


async def create(session: AsyncSession, data: schemas.AgencyCreate, *, by: Actor) -> Agency:
    if await repository.get_by_code(session, data.code) is not None:
        raise AgencyExists(Text(f"OPD {data.code} sudah ada", f"Agency {data.code} already exists"))
    agency = Agency(**data.model_dump())
    session.add(agency)
    await session.flush()
    await by.audit(session, "agency.created", code=agency.code, after=_snapshot(agency))
    await _publish(session, "created", agency, changed=list(_FIELDS))
    return agency


async def update(
    session: AsyncSession,
    agency: Agency,
    changes: schemas.AgencyUpdate,
    *,
    if_match: str | None,
    today: date,
    by: Actor,
) -> Agency:
    """Apply `changes` if `if_match` names the version the caller read; the UPDATE is conditional on that
    version too, so a change committed in between is never overwritten (412 instead)."""
    require_match(if_match, etag_of(agency, today))
    values = changes.model_dump(exclude_unset=True)
    try:
        schemas.check_period(
            values.get("valid_from", agency.valid_from), values.get("valid_to", agency.valid_to)
        )
    except LocalizedValueError as exc:
        raise AgencyInvalid(exc.text) from exc
    changed = [field for field in _FIELDS if field in values and values[field] != getattr(agency, field)]
    if not changed:
        return agency
    before = _snapshot(agency, changed)
    for field in changed:
        setattr(agency, field, values[field])
    try:
        await session.flush()
    except StaleDataError as exc:
        raise PreconditionFailed(
            Text("OPD ini baru saja diubah oleh pihak lain", "This agency was just changed by someone else")
        ) from exc
    await by.audit(
        session, "agency.updated", code=agency.code, before=before, after=_snapshot(agency, changed)
    )
    await _publish(session, "updated", agency, changed=changed)
    return agency


def _snapshot(agency: Agency, fields: list[str] | tuple[str, ...] = _FIELDS) -> dict[str, Any]:
    return {
        field: value.isoformat() if isinstance(value, date) else value
        for field in fields
        for value in [getattr(agency, field)]
    }


async def _publish(session: AsyncSession, kind: str, agency: Agency, *, changed: list[str]) -> None:
    await emit(
        session,
        platform,
        type=EVENT_PREFIX + kind,
        subject=agency.code,
        data={"code": agency.code, "version": agency.version, "changed": changed},
        source=event_source("identity"),
    )


def seed_rows() -> list[dict[str, Any]]:
    """The shipped OPD list (`agency/opd.csv`), checked by the same rules as an admin's `POST`."""
    text = files("siantar_identity.agency").joinpath(SEED_FILE).read_text(encoding="utf-8")
    lines = [line for line in io.StringIO(text) if not line.startswith("#")]
    rows = []
    for row in csv.DictReader(lines):
        data = schemas.AgencyCreate(
            code=row["code"],
            name=row["name"],
            short_name=row["short_name"],
            cluster=row["cluster"],
            active=row["active"] == "true",
            valid_from=date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
            valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
        )
        rows.append(data.model_dump())
    return rows


async def seed(session: AsyncSession) -> list[str]:
    """Add the shipped agencies whose codes are missing; rows already there (perhaps edited by an admin)
    are left as they are. Returns the codes added."""
    existing = await repository.existing_codes(session)
    added = [row for row in seed_rows() if row["code"] not in existing]
    for row in added:
        session.add(Agency(**row))
    if added:
        await session.flush()
        await Actor.system().audit(session, "agency.seeded", codes=[row["code"] for row in added])
    return [row["code"] for row in added]

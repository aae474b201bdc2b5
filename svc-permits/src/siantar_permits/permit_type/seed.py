"""The city's permit types as shipped (`catalogue.json`, with the source line of each), and seeding them.

Each entry is checked by the same rules as an admin's `POST`. Seeding adds the types whose codes are missing
and never touches existing ones, so admins' versions survive any number of re-runs.
"""

import json
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.audit import Actor
from siantar_permits.permit_type import service
from siantar_permits.permit_type.models import PermitType
from siantar_permits.permit_type.schemas import PermitTypeCreate, PermitTypeDefinition, TypeCode

CATALOGUE_FILE = "catalogue.json"


class SeedType(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: TypeCode
    source: str
    definition: PermitTypeDefinition


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    assumptions: list[str]
    types: list[SeedType]


@cache
def catalogue() -> Catalogue:
    raw: dict[str, Any] = json.loads(
        files("siantar_permits.permit_type").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    )
    return Catalogue.model_validate(raw)


async def seed(session: AsyncSession) -> list[str]:
    """Add the shipped types that are missing; returns their codes."""
    existing = set((await session.scalars(select(PermitType.code))).all())
    added = []
    for entry in catalogue().types:
        if entry.code in existing:
            continue
        data = PermitTypeCreate(
            code=entry.code, definition=entry.definition, reason=f"Seed: {entry.source}"[:1000]
        )
        await service.create(session, data, by=Actor.system("seed"), announce=False)
        added.append(entry.code)
    return added

"""The city's catalogue as shipped (`catalogue.json`), and seeding it.

The file is checked by the same rules as an admin's `POST` (each category becomes a `CategoryCreate`), plus
its own: unique codes, groups before their subgroups, every category in a known group. Seeding adds the
groups and categories whose codes are missing and never touches existing rows, so an admin's edits survive
any number of re-runs. OPD codes are not checked against identity here (the seed runs without it); a test
checks them against identity's shipped list.
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.audit import Actor
from siantar_complaints.category import repository
from siantar_complaints.category import service as category_service
from siantar_complaints.category.attributes import Name, ResponseTemplate, ensure_unique
from siantar_complaints.category.models import Category, CategoryGroup
from siantar_complaints.category.schemas import CategoryCreate, GroupCode

CATALOGUE_FILE = "catalogue.json"
SEED_REASON = "Katalog awal Kota Pematangsiantar (category/catalogue.json)"


class GroupSeed(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: GroupCode
    parent: GroupCode | None
    name: Name
    position: int


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str
    assumptions: list[str]
    common_response_templates: list[ResponseTemplate]
    groups: list[GroupSeed]
    categories: list[CategoryCreate]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ensure_unique((group.code for group in self.groups), "groups.code")
        ensure_unique((category.code for category in self.categories), "categories.code")
        known: set[str] = set()
        for group in self.groups:
            if group.parent is not None and group.parent not in known:
                raise ValueError(f"group {group.code}: parent {group.parent} must come first")
            known.add(group.code)
        for category in self.categories:
            if category.group not in known:
                raise ValueError(f"category {category.code}: unknown group {category.group}")
        return self


@dataclass(frozen=True, slots=True)
class SeedResult:
    groups: list[str]
    categories: list[str]


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue; each category gets the common templates before its own."""
    raw: dict[str, Any] = json.loads(
        files("siantar_complaints.category").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    )
    common = raw["common_response_templates"]
    raw["categories"] = [
        {**row, "response_templates": [*common, *row.get("response_templates", [])], "reason": SEED_REASON}
        for row in raw["categories"]
    ]
    return Catalogue.model_validate(raw)


async def seed(session: AsyncSession) -> SeedResult:
    """Add what is missing (groups first, parents before children); each category added gets a `seeded`
    history row (no event: see `service.record`). Needs the SLA classes seeded first (`sla.service.seed`)."""
    shipped = catalogue()
    existing_groups = {group.code for group in await repository.list_groups(session)}
    new_groups = [group for group in shipped.groups if group.code not in existing_groups]
    for group in new_groups:  # one flush each: a subgroup's parent row must exist first
        session.add(
            CategoryGroup(
                code=group.code,
                parent_code=group.parent,
                name_id=group.name.id,
                name_en=group.name.en,
                position=group.position,
            )
        )
        await session.flush()
    existing = await repository.existing_codes(session)
    new_categories = [data for data in shipped.categories if data.code not in existing]
    for data in new_categories:
        category = Category(code=data.code, **category_service.columns_of(data))
        session.add(category)
        await session.flush()
        await category_service.record(
            session,
            category,
            action="seeded",
            by=Actor.system(),
            reason=SEED_REASON,
            before=None,
            columns=category_service.COLUMNS,
            announce=False,
        )
    return SeedResult(
        groups=[group.code for group in new_groups], categories=[data.code for data in new_categories]
    )

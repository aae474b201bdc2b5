"""Change history of configuration (categories, routing rules): who, when, why, and what changed.

Each audited table has its own history table (`category_change`, `routing_rule_change`) with these columns.
Rows are only ever added. They hold the actor's account id and client id, never personal data.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_shared.auth import Principal
from siantar_shared.db import RecordMixin


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change: a signed-in account (and the app it used), or the system (seeding)."""

    id: UUID | None
    client_id: str | None

    @classmethod
    def of(cls, principal: Principal) -> Self:
        return cls(id=principal.subject, client_id=principal.client_id)

    @classmethod
    def system(cls) -> Self:
        return cls(id=None, client_id=None)


class ChangeRecordMixin(RecordMixin):
    """One change: `created_at` is when, `actor_*` who, `reason` why, `before`/`after` the changed fields."""

    action: Mapped[str] = mapped_column(String(16))  # seeded, created, updated, deactivated, reactivated
    version: Mapped[int] = mapped_column(Integer)  # the record's version after the change
    actor_id: Mapped[UUID | None] = mapped_column(index=True)
    actor_client_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def set_actor(self, actor: Actor) -> None:
        self.actor_id = actor.id
        self.actor_client_id = actor.client_id


def snapshot(record: object, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The values of `fields` on `record`, JSON-ready (dates as ISO 8601, enums as their values)."""
    return {field: _plain(getattr(record, field)) for field in fields}


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    return value


def change_action(changed: dict[str, Any]) -> str:
    """`deactivated` / `reactivated` when the switch flips, else `updated`."""
    if "active" in changed:
        return "reactivated" if changed["active"] else "deactivated"
    return "updated"


class Change(BaseModel):
    """One change: who (`actor_id`, `actor_client_id`; null for the system), when, why, and the changed
    fields before and after."""

    model_config = ConfigDict(from_attributes=True)

    action: str = Field(examples=["updated"])
    version: int = Field(description="The record's version after the change")
    actor_id: UUID | None
    actor_client_id: str | None
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: datetime


class ChangeList(BaseModel):
    items: list[Change]

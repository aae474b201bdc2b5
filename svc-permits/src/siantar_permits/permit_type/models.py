"""Permit types and every version of their definition.

`permit_type.version` is the current definition's number and its entity tag (`"v3"`); the UPDATE that makes a
new version is conditional on it (`version_id_col`). Every version is kept in `permit_type_version` (who, when,
why): applications point at the version they were filed under, so a later edit never changes their rules.
"""

from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_shared.db import RecordMixin


class PermitType(RecordMixin, Base):
    __tablename__ = "permit_type"

    code: Mapped[str] = mapped_column(String(48), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)  # the current version's, for reading
    current_version_id: Mapped[UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class PermitTypeVersion(RecordMixin, Base):
    __tablename__ = "permit_type_version"
    __table_args__ = (UniqueConstraint("type_code", "number"),)

    type_code: Mapped[str] = mapped_column(String(48), ForeignKey("permit_type.code"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[UUID | None] = mapped_column()
    actor_client_id: Mapped[str | None] = mapped_column(String(64))

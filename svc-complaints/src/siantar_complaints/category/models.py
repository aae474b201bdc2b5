"""The service catalogue: hierarchical groups, categories and the history of every change to a category.

`version` grows with every UPDATE of a category and is its entity tag (`"v3"`): an admin's change names the
version it read (`If-Match`), and the UPDATE itself is conditional on it (`version_id_col`), so a change
committed in between is never overwritten. Categories are never deleted, only deactivated: complaints keep
their codes.
"""

from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from siantar_complaints.audit import ChangeRecordMixin
from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin

if TYPE_CHECKING:
    from siantar_complaints.routing.models import RoutingRule
    from siantar_complaints.sla.models import SlaClass


class CategoryGroup(RecordMixin, Base):
    """A topic (LAPOR!-style): top-level when `parent_code` is null."""

    __tablename__ = "category_group"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    parent_code: Mapped[str | None] = mapped_column(String(64), ForeignKey("category_group.code"), index=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Category(RecordMixin, Base):
    __tablename__ = "category"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_id: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    group_code: Mapped[str] = mapped_column(String(64), ForeignKey("category_group.code"), index=True)
    type: Mapped[str] = mapped_column(String(32))  # a CategoryType value
    opd_code: Mapped[str] = mapped_column(String(32), index=True)  # responsible OPD, from identity's list
    sla_class_code: Mapped[str] = mapped_column(String(32), ForeignKey("sla_class.code"))
    attributes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # Open311 attributes
    anonymous_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    response_templates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    # every rule, active or not; loaded only on purpose (selectinload), for `routing.decision.route`
    routing_rules: Mapped[list["RoutingRule"]] = relationship(lazy="raise", viewonly=True)
    sla_class: Mapped["SlaClass"] = relationship(lazy="raise", viewonly=True)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class CategoryChange(ChangeRecordMixin, Base):
    __tablename__ = "category_change"

    category_code: Mapped[str] = mapped_column(String(64), ForeignKey("category.code"), index=True)

"""Routing rules and their history.

A rule with `kecamatan_code` null applies to its category everywhere; with a kecamatan code it overrides
that for complaints located in that kecamatan. Rules are never deleted, only deactivated. `version` is the
entity tag of a rule, as for categories (see `category.models`).
"""

from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.audit import ChangeRecordMixin
from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin


class RoutingRule(RecordMixin, Base):
    __tablename__ = "routing_rule"

    category_code: Mapped[str] = mapped_column(String(64), ForeignKey("category.code"), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(String(8))  # Kemendagri, "12.72.05"
    opd_code: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher wins among equally specific rules
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class RoutingRuleChange(ChangeRecordMixin, Base):
    __tablename__ = "routing_rule_change"

    rule_id: Mapped[UUID] = mapped_column(ForeignKey("routing_rule.id"), index=True)

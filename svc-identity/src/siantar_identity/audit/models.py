"""Audit records are never updated or deleted (a database trigger refuses it); they carry ids, never
personal data, so that erasing a person leaves the trail intact but pseudonymous."""

from uuid import UUID

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin


class AuditRecord(RecordMixin, Base):
    __tablename__ = "audit_record"

    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), default="success")
    actor_id: Mapped[UUID | None] = mapped_column(index=True)
    actor_kind: Mapped[str] = mapped_column(String(16))  # account, client, system, anonymous
    subject_id: Mapped[UUID | None] = mapped_column(index=True)  # whose data or account
    client_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    purpose: Mapped[str | None] = mapped_column(String(64))  # why personal data was read
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

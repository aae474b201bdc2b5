"""Applications, their history (every transition: who, as what, when, why) and technical OPD tasks.

`version` is the entity tag (`"v3"`) and the UPDATE of every transition is conditional on it
(`version_id_col`): of two officers acting on the same version, one wins and the other gets 412.
The applicant's name and the form are sealed at rest (AES-256-GCM, siantar_permits.personal).
SLA: `sla_started_at` is when the current stage began, `sla_pauses` the pauses within it ([start, end|null]
ISO pairs), `sla_due_at` its deadline in working days (recomputed on every change), `sla_flag` on_time,
at_risk or breached (set by the periodic job).
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_permits.personal import SealedJSON, SealedText
from siantar_shared.db import RecordMixin, UTCDateTime


class Application(RecordMixin, Base):
    __tablename__ = "application"
    __table_args__ = (
        Index("ix_application_applicant_created", "applicant_id", "created_at", "id"),
        Index("ix_application_state_due", "state", "sla_due_at"),
        Index("ix_application_external", "type_code", "external_reference", unique=True),
    )

    reference: Mapped[str] = mapped_column(String(40), unique=True)  # nomor pendaftaran
    type_code: Mapped[str] = mapped_column(String(48), ForeignKey("permit_type.code"), index=True)
    type_version_id: Mapped[UUID] = mapped_column(ForeignKey("permit_type_version.id"))
    type_version: Mapped[int] = mapped_column(Integer)
    applicant_id: Mapped[UUID | None] = mapped_column()
    # personal data, sealed at rest (siantar_permits.personal): never filtered or sorted in SQL
    applicant_name: Mapped[str] = mapped_column(SealedText("application.applicant_name"))
    form: Mapped[dict[str, Any]] = mapped_column(SealedJSON("application.form"), default=dict)
    state: Mapped[str] = mapped_column(String(24), index=True)
    technical_opd: Mapped[str | None] = mapped_column(String(32), index=True)
    approval_level: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    deemed_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_pauses: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_flag: Mapped[str | None] = mapped_column(String(16))
    renewal_of: Mapped[UUID | None] = mapped_column(ForeignKey("application.id"))
    external_system: Mapped[str | None] = mapped_column(String(16))
    external_reference: Mapped[str | None] = mapped_column(String(100))
    external_status: Mapped[str | None] = mapped_column(String(64))
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retention_basis: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class ApplicationEvent(RecordMixin, Base):
    """One transition or recorded act (a scheduled inspection, a payment): the evidence in disputes."""

    __tablename__ = "application_event"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    oss_status: Mapped[str | None] = mapped_column(String(4))
    actor_id: Mapped[UUID | None] = mapped_column()
    actor_client_id: Mapped[str | None] = mapped_column(String(64))
    actor_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    actor_agency: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TechnicalTask(RecordMixin, Base):
    """Work for a technical OPD (a recommendation, an inspection): its inbox."""

    __tablename__ = "technical_task"
    __table_args__ = (Index("ix_technical_task_inbox", "opd_code", "status", "created_at"),)

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    opd_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(24))  # recommendation, inspection
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done, cancelled
    inspector_id: Mapped[UUID | None] = mapped_column()
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(String(24))
    notes: Mapped[str | None] = mapped_column(Text)
    letter_number: Mapped[str | None] = mapped_column(String(100))
    photo_document_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[UUID | None] = mapped_column()


class NumberCounter(Base):
    """A locked counter per scope and year (permit numbers per type, registrations, SKRDs): bumped with
    `UPDATE ... RETURNING`, which holds the row until the transaction ends; never `max() + 1`."""

    __tablename__ = "number_counter"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)

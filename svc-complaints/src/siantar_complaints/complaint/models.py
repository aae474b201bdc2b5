"""Complaints and what hangs off them: photos, the timeline (every change and message), followers, ratings, and
the counter that numbers them.

`version` grows with every UPDATE of a complaint and is its entity tag (`"v4"`): a transition names the version
it read (`If-Match`) and the UPDATE is conditional on it (`version_id_col`), so of two officers changing one
complaint at once, the second gets 412 and nothing of his is written.

Personal data: this service stores no names, phones or e-mails. `reporter_id` is identity's account id (a
citizen, or a guest registered in identity); `address_text` describes the place of the problem, not a person.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class Complaint(RecordMixin, Base):
    __tablename__ = "complaint"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        # the officer queue: an OPD's complaints by state, newest first
        Index("ix_complaint_opd_status_created", "opd_code", "status", "created_at", "id"),
        # public lists and the map: public complaints by time
        Index("ix_complaint_visibility_created", "report_visibility", "created_at", "id"),
        # duplicate suggestions and the map: open complaints of a category in a grid cell
        Index("ix_complaint_category_cell", "category_code", "geo_cell", "created_at"),
        Index("ix_complaint_cell", "geo_cell"),
        # the SLA job: open clocks by due time
        Index("ix_complaint_sla_due", "sla_due_at"),
        # the reporter's own list
        Index("ix_complaint_reporter_created", "reporter_id", "created_at", "id"),
        Index("ix_complaint_last_activity", "last_activity_at", "id"),
    )

    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)  # "SIANTAR-2026-000123"
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category_code: Mapped[str] = mapped_column(String(64), ForeignKey("category.code"))
    type: Mapped[str] = mapped_column(String(32))  # the category's type when submitted
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the category's extra questions

    # where it went and why (routing.decision)
    opd_code: Mapped[str] = mapped_column(String(32))
    routing_rule_id: Mapped[UUID | None] = mapped_column()
    routing_basis: Mapped[str] = mapped_column(String(32))
    routing_reason_id: Mapped[str] = mapped_column(Text)
    routing_reason_en: Mapped[str] = mapped_column(Text)

    status: Mapped[str] = mapped_column(String(32), index=True)  # a states.Status value
    status_reason: Mapped[str | None] = mapped_column(Text)  # why rejected / redirected (and where to)
    duplicate_of_id: Mapped[UUID | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    redirected_to: Mapped[str | None] = mapped_column(String(200))

    # who: identity account ids only (null once the account is erased)
    reporter_id: Mapped[UUID | None] = mapped_column()
    reporter_kind: Mapped[str] = mapped_column(String(16))  # a states.ReporterKind value
    submitted_by_id: Mapped[UUID | None] = (
        mapped_column()
    )  # the officer or API client's account, if not the reporter
    submitted_by_client: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    identity_visibility: Mapped[str] = mapped_column(String(16))
    report_visibility: Mapped[str] = mapped_column(String(16))

    # where: the kelurahan the reporter picked, a point inside the city, and/or address text
    kelurahan_code: Mapped[str | None] = mapped_column(String(16), index=True)
    kecamatan_code: Mapped[str | None] = mapped_column(String(16), index=True)
    address_text: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    geo_cell: Mapped[int | None] = mapped_column(BigInteger)  # complaint.geo.cell_of(latitude, longitude)

    assigned_officer_id: Mapped[UUID | None] = mapped_column(index=True)

    # the running SLA clock (SlaClock of siantar_shared.calendar): which step, since when, for how many
    # working days, its pauses ([[start, end|null], ...] as ISO 8601), and the due time it gives (for queries)
    sla_class_code: Mapped[str] = mapped_column(String(32), ForeignKey("sla_class.code"))
    sla_stage: Mapped[str | None] = mapped_column(String(16))  # verify / follow_up / close; null: no clock
    sla_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_budget_days: Mapped[int | None] = mapped_column(Integer)
    sla_pauses: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # reminder sent for this stage
    sla_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # breach escalated for this stage

    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispositioned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)  # any public change (Open311 updated_*)

    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    follower_count: Mapped[int] = mapped_column(Integer, default=0)
    photo_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it as declared


class TrackingCounter(Base):
    """The last tracking number given per scope (a year): incremented under a row lock, never `max()+1`."""

    __tablename__ = "tracking_counter"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class ComplaintPhoto(RecordMixin, Base):
    """A photo of a complaint (or of one timeline entry): the stripped image and its thumbnail in storage."""

    __tablename__ = "complaint_photo"

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id"), index=True)
    update_id: Mapped[UUID | None] = mapped_column(ForeignKey("complaint_update.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(255))
    thumbnail_key: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[UUID | None] = mapped_column()
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # redacted by a moderator
    hidden_reason: Mapped[str | None] = mapped_column(Text)


class ComplaintUpdate(RecordMixin, Base):
    """One entry of a complaint's timeline: a transition, a message or a system action. Only ever added (a
    moderator may hide one, recorded as its own entry)."""

    __tablename__ = "complaint_update"
    __table_args__ = (Index("ix_complaint_update_complaint_created", "complaint_id", "created_at"),)

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id"))
    kind: Mapped[str] = mapped_column(String(24))  # a states.UpdateKind value
    visibility: Mapped[str] = mapped_column(String(16))  # a states.UpdateVisibility value
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[UUID | None] = mapped_column()  # null: the system
    actor_role: Mapped[str] = mapped_column(
        String(16)
    )  # citizen / officer / supervisor / verifier / admin / system
    actor_client_id: Mapped[str | None] = mapped_column(String(64))
    actor_opd: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


class ComplaintFollow(RecordMixin, Base):
    """A citizen following ("me too") a complaint: notified of its changes, counted on it."""

    __tablename__ = "complaint_follow"
    __table_args__ = (UniqueConstraint("complaint_id", "account_id"),)

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id"))
    account_id: Mapped[UUID] = mapped_column(index=True)


class ComplaintRating(RecordMixin, Base):
    """The reporter's rating of a resolution (1-5 and reasons), the SKM link of a complaint."""

    __tablename__ = "complaint_rating"

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id"), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[UUID | None] = mapped_column()
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)

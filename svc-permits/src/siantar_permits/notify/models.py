"""The notification outbox: a message is written with the change that causes it (same transaction), and
delivered to identity's `POST /identity/v1/notifications` by the periodic sweep, with retries."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class Notification(RecordMixin, Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),)

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    subject_id: Mapped[UUID] = mapped_column()
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))

"""The notification outbox: messages for identity's notify endpoint, written in the transaction of the change
they announce and delivered later by the `deliver-notifications` job (with retries and backoff).

So a change is never slowed by identity, and a message is never lost when identity is down: it exists if and
only if its change was committed. Rows hold identity account ids and template parameters (tracking numbers,
status codes, a rating link, an officer's question), never phones, e-mails or names.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class NotificationOutbox(RecordMixin, Base):
    """One message to one person. `status`: pending (to send at `next_attempt_at`), sent, or failed (identity
    refused it for good, or `attempts` ran out; `last_error` says why, as an error class or HTTP status)."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        # the delivery job: pending messages by due time
        Index("ix_notification_outbox_status_next_attempt", "status", "next_attempt_at"),
    )

    complaint_id: Mapped[UUID | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    recipient_id: Mapped[UUID] = mapped_column()  # identity's account id (citizen or guest)
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))

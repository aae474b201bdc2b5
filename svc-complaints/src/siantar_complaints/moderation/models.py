"""Flags raised by citizens, and moderators' actions with the original they replaced (encrypted)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class ModerationFlag(RecordMixin, Base):
    """A signed-in person asking the desk to look at a complaint, one of its photos or timeline entries."""

    __tablename__ = "moderation_flag"
    __table_args__ = (Index("ix_moderation_flag_status_created", "status", "created_at", "id"),)

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id"), index=True)
    photo_id: Mapped[UUID | None] = mapped_column(ForeignKey("complaint_photo.id"))
    update_id: Mapped[UUID | None] = mapped_column(ForeignKey("complaint_update.id"))
    reason: Mapped[str] = mapped_column(String(16))  # a schemas.FlagReason value
    note: Mapped[str] = mapped_column(Text, default="")
    flagged_by_id: Mapped[UUID | None] = mapped_column(index=True)  # null once the account is erased
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / actioned / dismissed
    resolved_by_id: Mapped[UUID | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_note: Mapped[str | None] = mapped_column(Text)


class ModerationAction(RecordMixin, Base):
    """What a moderator changed, why, and the original (AES-GCM encrypted JSON: it may hold personal data)."""

    __tablename__ = "moderation_action"

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id"), index=True)
    action: Mapped[str] = mapped_column(String(24))  # a schemas.ActionKind value
    target_id: Mapped[UUID | None] = mapped_column()  # the photo or timeline entry
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[UUID] = mapped_column()
    actor_client_id: Mapped[str] = mapped_column(String(64))
    flag_id: Mapped[UUID | None] = mapped_column(ForeignKey("moderation_flag.id"))
    original: Mapped[bytes | None] = mapped_column(LargeBinary)  # vault.seal(json of the replaced values)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # new values that are not personal

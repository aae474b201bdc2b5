"""What was sent to whom, when and how; never the content (it may carry personal data)."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class Notification(RecordMixin, Base):
    __tablename__ = "notification"

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # sent, failed, no_channel
    requested_by: Mapped[str | None] = mapped_column(String(64))  # the client id of the calling service
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(String(200))

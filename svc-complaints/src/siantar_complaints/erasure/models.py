"""Where the erasure job is in identity's event feed, and which accounts it has pseudonymised."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime, utcnow


class FeedCursor(Base):
    """The last position read of a feed (`identity-events`), moved only with the work it covers."""

    __tablename__ = "feed_cursor"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ErasedAccount(RecordMixin, Base):
    """An account pseudonymised here: when, on which event, and how many rows were touched (no personal data:
    the account id is identity's pseudonymous id, kept so that a redelivered event does nothing twice)."""

    __tablename__ = "erased_account"

    account_id: Mapped[UUID] = mapped_column(unique=True)
    event_id: Mapped[UUID] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

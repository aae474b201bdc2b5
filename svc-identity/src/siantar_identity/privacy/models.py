"""The consent ledger (append-only), data-subject requests with their 3x24-hour clock, NIK review cases."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import Boolean, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class ConsentEvent(RecordMixin, Base):
    """One grant or withdrawal of consent for a purpose, under a versioned notice (PDP Ps. 21-24, 40)."""

    __tablename__ = "consent_event"

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(64))
    notice_version: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)


class DataRequest(RecordMixin, Base):
    """A data-subject request (access, correction, erasure, restriction) and its legal deadline.

    What the person wrote (their message, the correction they ask for) is personal data: it is kept
    encrypted in `details_ciphertext` (context "data_request.details") and cleared on erasure. `note` is
    the staff member's resolution note, written for the person to read.
    """

    __tablename__ = "data_request"
    __table_args__ = (Index("ix_data_request_status_due_at", "status", "due_at"),)  # the staff queue

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, completed, refused
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    details_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[UUID | None] = mapped_column()  # the staff account, or the person (self-service)
    note: Mapped[str | None] = mapped_column(String(1000))


class NikReview(RecordMixin, Base):
    """A NIK claimed by someone while another account holds it: a person decides, nobody is blocked."""

    __tablename__ = "nik_review"

    account_id: Mapped[UUID] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    holder_id: Mapped[UUID | None] = mapped_column()
    nik_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    nik_index: Mapped[str] = mapped_column(String(64), index=True)
    nik_masked: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_by: Mapped[UUID | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(1000))

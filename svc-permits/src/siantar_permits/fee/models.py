"""The fee assessed on an application (SKRD) and the payments against it."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_shared.db import RecordMixin, UTCDateTime


class FeeAssessment(RecordMixin, Base):
    __tablename__ = "fee_assessment"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # retribusi, pajak, pnbp
    skrd_number: Mapped[str] = mapped_column(String(64), unique=True)
    billing_code: Mapped[str] = mapped_column(String(32), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # rupiah
    quantity: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[date] = mapped_column(Date)
    assessed_by: Mapped[UUID | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payment(RecordMixin, Base):
    __tablename__ = "payment"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)  # the bank's payment reference
    channel: Mapped[str] = mapped_column(String(16))  # bank_callback, officer
    amount: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proof_document_id: Mapped[UUID | None] = mapped_column(ForeignKey("application_document.id"))
    recorded_by: Mapped[UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    # money the bank took when the fee was already settled (paid at the counter too) or the application had
    # ended: kept, and announced, so that it is refunded; it never moves the application
    surplus: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

"""Each uploaded version of a document; a re-upload after correction adds a version, never replaces one."""

from uuid import UUID

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_shared.db import RecordMixin


class ApplicationDocument(RecordMixin, Base):
    __tablename__ = "application_document"
    __table_args__ = (UniqueConstraint("application_id", "requirement_code", "version"),)

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), index=True)
    requirement_code: Mapped[str] = mapped_column(String(48))  # or "inspection_photo", "payment_proof"
    version: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))  # sniffed, never the client's claim
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[UUID | None] = mapped_column()

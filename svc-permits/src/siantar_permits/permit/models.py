"""An issued permit: its number, validity, PDF (hash and storage key), signature and verification code hash.

The verification code itself is never stored: only its SHA-256, looked up when the QR is scanned.
`signed_fields` are the essential fields exactly as signed (`canonical_payload`), so the signature can be
checked again at any time.
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_permits.personal import SealedJSON
from siantar_shared.db import RecordMixin, UTCDateTime


class Permit(RecordMixin, Base):
    __tablename__ = "permit"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), unique=True)
    type_code: Mapped[str] = mapped_column(String(48), index=True)
    number: Mapped[str] = mapped_column(String(120), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    pdf_key: Mapped[str] = mapped_column(String(300))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    # sealed at rest like the application's personal data: the holder's name is among them
    signed_fields: Mapped[dict[str, Any]] = mapped_column(SealedJSON("permit.signed_fields"))
    signature: Mapped[str] = mapped_column(Text)  # base64
    signature_key_id: Mapped[str] = mapped_column(String(64))
    signature_algorithm: Mapped[str] = mapped_column(String(32))
    verification_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""What an Open311 POST brings that a complaint has no column for: the `media_url`s the client sent (links to
media it hosts; this service never fetches them)."""

from uuid import UUID

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin


class Open311Submission(RecordMixin, Base):
    __tablename__ = "open311_submission"

    complaint_id: Mapped[UUID] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), unique=True)
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)

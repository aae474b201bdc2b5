"""One SKM answer per issued application: the nine elements of PermenPANRB 14/2017, each scored 1-4."""

from uuid import UUID

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base
from siantar_shared.db import RecordMixin


class SurveyResponse(RecordMixin, Base):
    __tablename__ = "survey_response"

    application_id: Mapped[UUID] = mapped_column(ForeignKey("application.id"), unique=True)
    type_code: Mapped[str] = mapped_column(String(48), index=True)
    requirements: Mapped[int] = mapped_column(Integer)
    procedure: Mapped[int] = mapped_column(Integer)
    duration: Mapped[int] = mapped_column(Integer)
    cost: Mapped[int] = mapped_column(Integer)
    product: Mapped[int] = mapped_column(Integer)
    competence: Mapped[int] = mapped_column(Integer)
    behaviour: Mapped[int] = mapped_column(Integer)
    complaints: Mapped[int] = mapped_column(Integer)
    facilities: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)

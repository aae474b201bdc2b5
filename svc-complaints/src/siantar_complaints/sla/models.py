"""SLA classes: the working-day budget of each lifecycle step, seeded from `sla_classes.csv`."""

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.db import Base
from siantar_shared.db import RecordMixin


class SlaClass(RecordMixin, Base):
    """A deadline class (`ringan`, `normatif`...): budgets in working days (hari kerja) and their source."""

    __tablename__ = "sla_class"
    __table_args__ = (
        CheckConstraint(
            "verify_days >= 0 AND follow_up_days >= 0 AND close_after_silence_days >= 0",
            name="budgets_not_negative",
        ),
    )

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    verify_days: Mapped[int] = mapped_column(Integer)  # submitted -> verified and dispositioned
    follow_up_days: Mapped[int] = mapped_column(Integer)  # dispositioned -> first follow-up by the OPD
    close_after_silence_days: Mapped[int] = mapped_column(Integer)  # resolved -> closed without a reply
    legal_source: Mapped[str] = mapped_column(Text)

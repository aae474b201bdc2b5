"""Failure counters per key (`account:<id>`, `ip:<address>`), in a one-hour window."""

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_identity.db import Base
from siantar_shared.db import UTCDateTime


class ThrottleState(Base):
    __tablename__ = "throttle_state"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, reset by a success
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_failures: Mapped[int] = mapped_column(Integer, default=0)  # in the current hour
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

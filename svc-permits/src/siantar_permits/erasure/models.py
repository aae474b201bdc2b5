"""Where this service is in another service's event feed."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_permits.db import Base


class FeedCursor(Base):
    __tablename__ = "feed_cursor"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger)

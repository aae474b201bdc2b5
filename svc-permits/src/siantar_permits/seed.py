"""Development seed of svc-permits: the holiday calendar for this year and the next two."""

import logging

from siantar_permits.config import Settings
from siantar_permits.models import Holiday
from siantar_shared.calendar import seed_holidays
from siantar_shared.db import make_engine, make_sessionmaker

logger = logging.getLogger("siantar_permits.seed")


async def seed(settings: Settings) -> None:
    engine = make_engine(settings.DATABASE_URL, app_name=f"{settings.ENV}.permits.seed")
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            added = await seed_holidays(session, Holiday)
        logger.info("holiday calendar: %d new days", added)
    finally:
        await engine.dispose()

"""Seed of svc-permits (safe to run again): the holiday calendar for this year and the next two, and the
city's permit types (`permit_type/catalogue.json`)."""

import logging

from siantar_permits.config import Settings
from siantar_permits.models import Holiday
from siantar_permits.permit_type import seed as permit_type_seed
from siantar_shared.calendar import seed_holidays
from siantar_shared.db import make_engine, make_sessionmaker

logger = logging.getLogger("siantar_permits.seed")


async def seed(settings: Settings) -> None:
    engine = make_engine(settings.DATABASE_URL, app_name=f"{settings.ENV}.permits.seed")
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            added = await seed_holidays(session, Holiday)
            types = await permit_type_seed.seed(session)
        logger.info("holiday calendar: %d new days", added)
        logger.info("permit types: %d new (%s)", len(types), ", ".join(types) or "none")
    finally:
        await engine.dispose()

"""Development seed of svc-complaints: the holiday calendar for this year and the next two, the SLA classes
and the city's service catalogue. Each part only adds what is missing, so it can run again at any time."""

import logging

from siantar_complaints.category.seed import seed as seed_catalogue
from siantar_complaints.config import Settings
from siantar_complaints.models import Holiday
from siantar_complaints.sla import service as sla_service
from siantar_shared.calendar import seed_holidays
from siantar_shared.db import make_engine, make_sessionmaker

logger = logging.getLogger("siantar_complaints.seed")


async def seed(settings: Settings) -> None:
    engine = make_engine(settings.DATABASE_URL, app_name=f"{settings.ENV}.complaints.seed")
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            added = await seed_holidays(session, Holiday)
            classes = await sla_service.seed(session)
            result = await seed_catalogue(session)
        logger.info("holiday calendar: %d new days", added)
        logger.info("SLA classes: %d new, catalogue: %s", len(classes), result)
    finally:
        await engine.dispose()

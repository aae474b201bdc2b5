"""Development seed of svc-identity: writes `var/demo-credentials.json` (the accounts and API clients it made).

The accounts themselves (admin, verifier, OPD officers and supervisors, citizens) and the Open311 API client
are created by the identity domain; until then the file lists none. Production creates no default account.
"""

import logging

from siantar_identity.config import Settings
from siantar_shared.demo import read_demo_credentials, write_demo_credentials

logger = logging.getLogger("siantar_identity.seed")


async def seed(settings: Settings) -> None:
    if settings.is_production:
        raise SystemExit("refusing to seed demo data in production")
    current = read_demo_credentials(settings)
    path = write_demo_credentials(settings, accounts=current["accounts"], api_clients=current["api_clients"])
    logger.info("demo credentials in %s", path.name)

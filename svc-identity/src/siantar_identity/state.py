"""What every request of svc-identity can reach through `request.state`, built once per process.

`build_state` is used by the app's lifespan and by the tests alike, so both run the same wiring.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from siantar_identity.assurance.dukcapil import build_dukcapil_verifier
from siantar_identity.clock import Clock, SystemClock
from siantar_identity.config import Settings
from siantar_identity.notify.dependencies import NotifyPolicy
from siantar_identity.notify.notifiers import build_notifiers
from siantar_identity.oauth.keys import Signer
from siantar_identity.oauth.keysource import identity_verifier
from siantar_identity.security.breached import build_breached_checker
from siantar_identity.security.context import Crypto


def build_state(
    settings: Settings, *, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock | None = None
) -> dict[str, Any]:
    """`sessionmaker` is the platform state's; identity verifies its own tokens with keys read through it."""
    crypto = Crypto.from_settings(settings)
    clock = clock or SystemClock()
    return {
        "crypto": crypto,
        "clock": clock,
        # signs access tokens; replaces the platform's JWKS-over-HTTP verifier with the database key source
        "signer": Signer(crypto.ring),
        "token_verifier": identity_verifier(settings, sessionmaker, clock),
        "notifiers": build_notifiers(settings),
        "notify_policy": NotifyPolicy(max_per_hour=settings.NOTIFY_MAX_PER_HOUR),
        "breached_passwords": build_breached_checker(settings),
        "dukcapil": build_dukcapil_verifier(settings),
    }

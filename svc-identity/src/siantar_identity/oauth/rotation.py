"""Rotating the token signing key: `python -m siantar_identity rotate-signing-key [--immediately | --compromised]`.

A routine rotation makes the next key, publishes it at once and lets it sign `PROPAGATION_DELAY` later
(longer than the JWKS `Cache-Control` max-age plus a verifier's refresh interval), so that no verifier sees
a token signed with a key it has not fetched yet. The key it replaces stops signing at that moment and stays
published until `activation + IDENTITY_ACCESS_TOKEN_TTL + IDENTITY_SIGNING_KEY_OVERLAP`, when every token it
signed has expired. `--immediately` makes the new key sign at once. `--compromised` (which implies it)
also withdraws every older key from the JWKS at once: tokens they signed stop verifying here within 30
seconds (the key cache's `MAX_AGE`), and in other services when they next reload the JWKS.
"""

import argparse
import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.service import record
from siantar_identity.clock import SystemClock
from siantar_identity.config import Settings
from siantar_identity.oauth.keys import active_key, new_signing_key, next_generation
from siantar_identity.oauth.models import SigningKey
from siantar_identity.security.context import Crypto
from siantar_identity.security.fieldcrypt import KeyRing
from siantar_shared.db import make_engine, make_sessionmaker

PROPAGATION_DELAY = timedelta(minutes=2)
logger = logging.getLogger("siantar_identity.oauth.rotation")


async def rotate_signing_key(
    session: AsyncSession,
    ring: KeyRing,
    settings: Settings,
    *,
    at: datetime,
    immediately: bool = False,
    compromised: bool = False,
) -> SigningKey:
    """Make the next signing key and retire the ones signing now (see the module docstring)."""
    signing = await active_key(session, at=at)
    activation = at if immediately or compromised or signing is None else at + PROPAGATION_DELAY
    generation = await next_generation(session)
    key = await new_signing_key(ring, generation=generation, made_at=at, activated_at=activation)
    publish_until = activation + settings.ACCESS_TOKEN_TTL + settings.SIGNING_KEY_OVERLAP
    still_signing = or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > activation)
    for old in (await session.scalars(select(SigningKey).where(still_signing))).all():
        old.retired_at = activation
        old.publish_until = publish_until
    if compromised:
        await session.execute(
            update(SigningKey)
            .where(or_(SigningKey.publish_until.is_(None), SigningKey.publish_until > at))
            .values(publish_until=at, retired_at=at)
        )
    session.add(key)
    await session.flush()
    await record(
        session,
        "signing_key.rotated",
        actor_kind="system",
        kid=key.kid,
        activated_at=activation.isoformat(),
        retired_kid=signing.kid if signing else None,
        compromised=compromised,
    )
    return key


async def rotate_command(settings: Settings, argv: list[str]) -> int:
    """The `rotate-signing-key` command: rotate in one committed transaction, then say what it did."""
    parser = argparse.ArgumentParser(
        prog="python -m siantar_identity rotate-signing-key",
        description="Make a new token signing key and retire the current one.",
    )
    parser.add_argument("--immediately", action="store_true", help="sign with the new key at once")
    parser.add_argument(
        "--compromised",
        action="store_true",
        help="the current key leaked: sign with the new key at once and unpublish every older key now",
    )
    args = parser.parse_args(argv)
    engine = make_engine(settings.DATABASE_URL, app_name=f"{settings.ENV}.identity.rotate-signing-key")
    try:
        async with make_sessionmaker(engine)() as session:
            key = await rotate_signing_key(
                session,
                Crypto.from_settings(settings).ring,
                settings,
                at=SystemClock().now(),
                immediately=args.immediately,
                compromised=args.compromised,
            )
            await session.commit()
    finally:
        await engine.dispose()
    logger.info("signing key %s made; it signs from %s", key.kid, key.activated_at)
    print(f"signing key {key.kid} signs from {key.activated_at:%Y-%m-%d %H:%M:%S} UTC")  # noqa: T201
    return 0

"""Shared helpers of svc-permits's tests: tokens for each kind of caller, seeding, and the events written."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.models import platform
from siantar_permits.permit_type import seed as permit_type_seed
from siantar_shared.testing.tokens import TestKeys

PREFIX = "/permits/v1"


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


def citizen(test_keys: TestKeys, subject: uuid.UUID, *, acr: int = 2) -> dict[str, str]:
    return bearer(test_keys, subject=subject, roles=["citizen"], acr=acr)


def staff(
    test_keys: TestKeys, role: str, agency: str = "DPMPTSP", subject: uuid.UUID | None = None
) -> dict[str, str]:
    return bearer(test_keys, subject=subject or uuid.uuid4(), roles=[role], agency=agency, acr=2)


def admin(test_keys: TestKeys) -> dict[str, str]:
    return bearer(test_keys, roles=["admin"], agency="DPMPTSP", acr=2)


def service_token(test_keys: TestKeys) -> dict[str, str]:
    return bearer(test_keys, roles=["service"], client_id="simbg-bridge", acr=None)


async def seed_types(session: AsyncSession) -> list[str]:
    return await permit_type_seed.seed(session)


async def events(session: AsyncSession, type_: str) -> list[Any]:
    model = platform.outbox_event
    rows = await session.scalars(select(model).where(model.type == type_).order_by(model.position))
    return list(rows)

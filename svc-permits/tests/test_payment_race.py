"""The bank sends the same payment twice at the same moment (a retry after a timeout that overlaps the first
attempt): both answers are 200, one of them `duplicate`, and the payment is recorded once.

On PostgreSQL, truly at once: two requests on two connections of a database of their own, each held (for at
most half a second) after it found no payment with that reference, until the other has found none too.
"""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import seed_types
from journey import Actors
from sqlalchemy import func, select
from test_application_rules import CALLBACK, fee_type, signed, to_payment

from siantar_permits.fee import service
from siantar_permits.fee.models import Payment
from siantar_shared.testing.databases import sessions_of_fresh_database
from siantar_shared.testing.plugin import StateInjector
from siantar_shared.testing.tokens import TestKeys


@pytest.mark.postgres
async def test_the_same_callback_twice_at_once(
    app: FastAPI,
    app_state: dict[str, Any],
    alembic_ini: Any,
    test_keys: TestKeys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = str(app_state["settings"].BANK_CALLBACK_SECRET.get_secret_value())
    async with sessions_of_fresh_database("payment_race", alembic_ini) as sessionmaker:
        async with sessionmaker() as setup, setup.begin():
            await seed_types(setup)
        transport = httpx.ASGITransport(app=StateInjector(app, {**app_state, "sessionmaker": sessionmaker}))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await fee_type(client, test_keys)
            application = await to_payment(client, Actors(test_keys))
            payload = {
                "payment_reference": "BSU-RACE-1",
                "billing_code": application["fee"]["billing_code"],
                "amount": application["fee"]["amount"],
                "paid_at": "2026-11-28T09:00:00+07:00",
            }
            body, headers = signed(secret, payload)
            arrived, both = 0, asyncio.Event()
            looked_up = service.definition_of  # called after the reference was found unused

            async def wait_for_the_other(*args: Any, **kwargs: Any) -> Any:
                nonlocal arrived
                arrived += 1
                if arrived >= 2:
                    both.set()
                try:
                    await asyncio.wait_for(both.wait(), 0.5)
                except TimeoutError:
                    pass
                return await looked_up(*args, **kwargs)

            monkeypatch.setattr(service, "definition_of", wait_for_the_other)
            responses = await asyncio.gather(
                client.post(CALLBACK, content=body, headers=headers),
                client.post(CALLBACK, content=body, headers=headers),
            )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        assert sorted(r.json()["duplicate"] for r in responses) == [False, True]
        assert {r.json()["state"] for r in responses} == {"approval"}
        async with sessionmaker() as check:
            count = await check.scalar(select(func.count()).select_from(Payment))
        assert count == 1

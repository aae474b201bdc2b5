"""Brute force against the password grant: 429 with Retry-After (never a held connection, never a permanent
lockout), per account and per address, and the same for accounts that do not exist."""

from datetime import timedelta

from factories_oauth import (
    audit_rows,
    citizen_app,
    client_from,
    create_citizen,
    new_phone,
    password_grant,
    phone_of,
)
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.client.models import ApiClient
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.throttle.models import ThrottleState


async def wrong(client: AsyncClient, app: ApiClient, username: str) -> Response:
    return await password_grant(client, app, username, "a wrong guess")


class TestAccountThrottle:
    async def test_growing_waits_then_allowed_after_the_wait(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        phone = phone_of(settings, await create_citizen(session, settings))
        for _ in range(6):  # five free failures, the sixth starts the waits
            assert (await wrong(client, app, phone)).status_code == 400
        refused = await password_grant(client, app, phone)  # even the right password is not checked now
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "2"
        assert refused.headers["cache-control"] == "no-store"
        assert refused.json()["error"] == "slow_down"
        clock.advance(timedelta(seconds=2))
        assert (await wrong(client, app, phone)).status_code == 400  # the 7th failure: 4 seconds
        assert (await password_grant(client, app, phone)).headers["retry-after"] == "4"
        clock.advance(timedelta(seconds=4))
        assert (await password_grant(client, app, phone)).status_code == 200
        for _ in range(5):  # the success reset the run: five free failures again
            assert (await wrong(client, app, phone)).status_code == 400

    async def test_never_permanent(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        phone = phone_of(settings, await create_citizen(session, settings))
        waits: list[int] = []
        while len(waits) < 12:  # an attacker who retries the moment each wait ends
            response = await wrong(client, app, phone)
            if response.status_code == 429:
                waits.append(int(response.headers["retry-after"]))
                clock.advance(timedelta(seconds=waits[-1]))
            else:
                assert response.status_code == 400
        assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]  # capped at 15 minutes
        clock.advance(timedelta(seconds=900))
        assert (await password_grant(client, app, phone)).status_code == 200  # the owner still gets in

    async def test_throttled_attempts_are_audited(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        person = await create_citizen(session, settings)
        for _ in range(7):
            await wrong(client, app, phone_of(settings, person))
        entries = await audit_rows(session, "auth.login", subject_id=person.id)
        assert [entry.detail["reason"] for entry in entries] == ["bad_password"] * 6 + ["throttled"]
        assert {entry.outcome for entry in entries} == {"failure"}


class TestNoEnumerationByThrottling:
    async def test_unknown_identifier_is_throttled_exactly_like_an_account(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        app = await citizen_app(session, settings)
        known = phone_of(settings, await create_citizen(session, settings))
        unknown = new_phone()

        async def run(username: str, address: str) -> list[tuple[int, str | None]]:
            answers = []
            async with client_from(client, address) as http:
                for step in range(9):
                    response = await wrong(http, app, username)
                    answers.append((response.status_code, response.headers.get("retry-after")))
                    if step == 7:
                        clock.advance(timedelta(seconds=2))
            return answers

        seen_known = await run(known, "198.51.100.10")
        seen_unknown = await run(unknown, "198.51.100.11")
        assert seen_known == seen_unknown
        assert (429, "2") in seen_known


class TestAddressThrottle:
    async def test_a_spray_from_one_address_is_slowed_and_others_are_not(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        app = await citizen_app(session, settings)
        victim = phone_of(settings, await create_citizen(session, settings))
        async with client_from(client, "203.0.113.66") as sprayer:
            for _ in range(21):  # one guess each on 21 accounts: no account counter is near its limit
                assert (await wrong(sprayer, app, new_phone())).status_code == 400
            refused = await password_grant(sprayer, app, victim)
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "2"
        async with client_from(client, "203.0.113.67") as neighbour:
            assert (await password_grant(neighbour, app, victim)).status_code == 200

    async def test_a_success_from_the_address_resets_its_run(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        """Many citizens share one address behind a carrier's NAT: their sign-ins end a run of failures."""
        app = await citizen_app(session, settings)
        person = phone_of(settings, await create_citizen(session, settings))
        async with client_from(client, "192.0.2.44") as shared_nat:
            for _ in range(3):
                assert (await wrong(shared_nat, app, new_phone())).status_code == 400
            assert (await password_grant(shared_nat, app, person)).status_code == 200
        counter = await session.get(ThrottleState, "ip:192.0.2.44", populate_existing=True)
        assert counter is not None
        assert (counter.failures, counter.window_failures, counter.blocked_until) == (0, 3, None)

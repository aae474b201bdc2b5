"""The breached-password check is the one configured in the request state (`breached_passwords`): a test
double flags one password, and registration refuses exactly that one."""

from typing import Any

import pytest
from factories_account import ACCOUNTS, registration
from httpx import AsyncClient


class FlagOne:
    """A breached-password checker that knows one breached password (the wiring test's double)."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.asked: list[str] = []

    async def is_breached(self, password: str) -> bool:
        self.asked.append(password)
        return password == self.password


BREACHED = "tiga ekor kucing oranye"


@pytest.fixture
def flag_one() -> FlagOne:
    return FlagOne(BREACHED)


@pytest.fixture
async def app_state(app_state: dict[str, Any], flag_one: FlagOne) -> dict[str, Any]:
    return {**app_state, "breached_passwords": flag_one}


class TestConfiguredChecker:
    async def test_the_request_state_checker_is_asked(self, client: AsyncClient, flag_one: FlagOne) -> None:
        response = await client.post(
            ACCOUNTS, json=registration(password=BREACHED), headers={"Accept-Language": "en"}
        )
        assert response.status_code == 422
        assert [error["detail"] for error in response.json()["errors"]] == [
            "This password has appeared in a data breach; choose another one"
        ]
        assert flag_one.asked == [BREACHED]
        assert (
            await client.post(ACCOUNTS, json=registration(password="empat ekor kucing oranye"))
        ).status_code == 202

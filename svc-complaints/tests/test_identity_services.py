"""Calls to identity as a service: the client-credentials token, guests, notifications, API key checks."""

from uuid import UUID, uuid4

import httpx
import pytest
from fakes_identity import FakeIdentity

from siantar_complaints.identity.exceptions import GuestRefused, IdentityUnavailable
from siantar_complaints.identity.services import IdentityServices
from siantar_shared.http import make_client
from siantar_shared.service_token import ServiceTokenError, ServiceTokenSource

DEMO_KEY = "sia_open311demo_" + "k" * 43


async def test_one_token_serves_many_calls(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    await identity_services.notify(uuid4(), "complaint_received", {"tracking_number": "A-1"})
    await identity_services.notify(uuid4(), "complaint_received", {"tracking_number": "A-2"})
    assert identity.tokens_issued == 1
    assert [n["params"]["tracking_number"] for n in identity.notifications] == ["A-1", "A-2"]


async def test_a_rejected_token_is_replaced_once(identity: FakeIdentity) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": f"t{len(calls)}", "expires_in": 300})
        status = 401 if request.headers["authorization"] == "Bearer t1" else 202
        return httpx.Response(status, json={"status": "sent"})

    async with make_client("http://identity.test", transport=httpx.MockTransport(handler)) as client:
        services = IdentityServices(
            ServiceTokenSource(client, client_id="svc-complaints", secret=lambda: "s")
        )
        outcome = await services.notify(uuid4(), "complaint_received", {"tracking_number": "A-1"})
    assert outcome.accepted
    assert calls == [
        "/identity/v1/oauth/token",
        "/identity/v1/notifications",
        "/identity/v1/oauth/token",
        "/identity/v1/notifications",
    ]


async def test_no_secret_is_a_503_not_a_silent_call() -> None:
    async with make_client(
        "http://identity.test", transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as c:
        source = ServiceTokenSource(c, client_id="svc-complaints", secret=lambda: None)
        with pytest.raises(ServiceTokenError):
            await source.token()


async def test_notification_outage_is_retryable(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    identity.down = True
    outcome = await identity_services.notify(uuid4(), "complaint_received", {"tracking_number": "A-1"})
    assert (outcome.accepted, outcome.retryable) == (False, True)
    identity.down = False
    identity.notify_status = 422
    outcome = await identity_services.notify(uuid4(), "complaint_received", {"tracking_number": "A-1"})
    assert (outcome.accepted, outcome.retryable) == (False, False)


async def test_guests_are_registered_once_per_phone(identity_services: IdentityServices) -> None:
    first = await identity_services.register_guest(name="Rina", phone="081234567890", email=None)
    again = await identity_services.register_guest(name="Rina S", phone="081234567890", email=None)
    assert isinstance(first, UUID)
    assert first == again
    with pytest.raises(GuestRefused):
        await identity_services.register_guest(name="Rina", phone=None, email=None)


async def test_api_key_answers_are_cached_for_at_most_60_seconds(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    info = await identity_services.check_api_key(DEMO_KEY)
    assert info.valid
    assert info.client_id == "open311-demo"
    assert "open311:write" in info.scopes
    identity.now += 59
    await identity_services.check_api_key(DEMO_KEY)
    assert identity.api_key_checks == 1
    identity.now += 2
    del identity.api_keys[DEMO_KEY]  # revoked in identity
    assert not (await identity_services.check_api_key(DEMO_KEY)).valid
    assert identity.api_key_checks == 2


async def test_staff_member_is_cached_for_60_seconds(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    officer, stranger = uuid4(), uuid4()
    identity.add_staff(officer, ["officer"], "DLH")
    member = await identity_services.staff_member(officer)
    assert member is not None
    assert (member.subject_id, member.active, member.agency) == (officer, True, "DLH")
    assert member.roles == frozenset({"officer"})
    assert await identity_services.staff_member(stranger) is None
    identity.add_staff(officer, ["officer"], "DLH", active=False)
    identity.now += 59
    assert (await identity_services.staff_member(officer)) == member  # a 404 is kept as long
    assert await identity_services.staff_member(stranger) is None
    assert identity.staff_lookups == 2
    identity.now += 1
    refreshed = await identity_services.staff_member(officer)
    assert refreshed is not None
    assert refreshed.active is False
    assert identity.staff_lookups == 3


async def test_staff_member_with_identity_down_or_confused_is_503(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    officer = uuid4()
    identity.down = True
    with pytest.raises(IdentityUnavailable):
        await identity_services.staff_member(officer)
    identity.down = False
    identity.staff[str(officer)] = {"subject_id": str(uuid4()), "active": True, "agency": "DLH", "roles": []}
    with pytest.raises(IdentityUnavailable):  # an answer about somebody else
        await identity_services.staff_member(officer)
    identity.staff[str(officer)] = {"active": True}
    with pytest.raises(IdentityUnavailable):
        await identity_services.staff_member(officer)


async def test_staff_with_role_is_cached_for_60_seconds_per_role_and_agency(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    dlh, putr, desk = uuid4(), uuid4(), uuid4()
    identity.add_staff(dlh, ["supervisor"], "DLH")
    identity.add_staff(putr, ["supervisor"], "PUTR")
    identity.add_staff(desk, ["verifier"], "DISKOMINFO")
    assert await identity_services.staff_with_role("supervisor", "DLH") == [dlh]
    assert await identity_services.staff_with_role("verifier") == [desk]
    identity.add_staff(uuid4(), ["supervisor"], "DLH")
    identity.now += 59
    assert await identity_services.staff_with_role("supervisor", "DLH") == [dlh]  # kept
    assert identity.staff_list_lookups == 2
    identity.now += 1
    assert len(await identity_services.staff_with_role("supervisor", "DLH")) == 2
    assert identity.staff_list_lookups == 3


async def test_staff_with_role_with_identity_down_or_confused_is_503(
    identity: FakeIdentity, identity_services: IdentityServices
) -> None:
    identity.down = True
    with pytest.raises(IdentityUnavailable):
        await identity_services.staff_with_role("verifier")
    identity.down = False
    identity.staff["broken"] = {
        "subject_id": "not-a-uuid",
        "active": True,
        "agency": None,
        "roles": ["verifier"],
    }
    with pytest.raises(IdentityUnavailable):
        await identity_services.staff_with_role("verifier")

"""End to end through the gateway: the seeded demo people sign in, and a token issued by identity is
accepted by another service, which verifies it against identity's JWKS fetched over HTTP."""

from datetime import UTC, datetime
from typing import Any

import httpx
import pyotp
from conftest import Platform


def account(platform: Platform, **match: Any) -> dict[str, Any]:
    return next(a for a in platform.credentials["accounts"] if all(a.get(k) == v for k, v in match.items()))


def api_client(platform: Platform, client_id: str) -> dict[str, Any]:
    return next(c for c in platform.credentials["api_clients"] if c["client_id"] == client_id)


async def service_token(gateway: httpx.AsyncClient, platform: Platform, client_id: str, scope: str) -> str:
    """A client-credentials token of one of the seeded service clients."""
    client = api_client(platform, client_id)
    response = await gateway.post(
        "/identity/v1/oauth/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def password_grant(gateway: httpx.AsyncClient, **form: str) -> httpx.Response:
    return await gateway.post("/identity/v1/oauth/token", data={"grant_type": "password", **form})


class TestCitizenSignIn:
    async def test_token_then_me(self, gateway: httpx.AsyncClient, platform: Platform) -> None:
        citizen = account(platform, roles=["citizen"])
        response = await password_grant(
            gateway,
            client_id="siantar-citizen-app",
            username=citizen["username"],
            password=citizen["password"],
        )
        assert response.status_code == 200, response.text
        tokens = response.json()
        me = await gateway.get(
            "/identity/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.status_code == 200, me.text
        assert "*" in me.json()["phone"]  # masked, never the number in clear

    async def test_wrong_password_is_refused(self, gateway: httpx.AsyncClient, platform: Platform) -> None:
        citizen = account(platform, roles=["citizen"])
        response = await password_grant(
            gateway,
            client_id="siantar-citizen-app",
            username=citizen["username"],
            password="not the password",
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"


class TestStaffSignIn:
    async def test_officer_with_totp(self, gateway: httpx.AsyncClient, platform: Platform) -> None:
        officer = account(platform, roles=["officer"], agency="DLH")
        code = pyotp.TOTP(officer["totp_secret"]).at(datetime.now(UTC))
        response = await password_grant(
            gateway,
            client_id="siantar-staff-console",
            username=officer["username"],
            password=officer["password"],
            otp=code,
        )
        assert response.status_code == 200, response.text


class TestServiceToService:
    async def test_identity_token_accepted_by_complaints(
        self, gateway: httpx.AsyncClient, platform: Platform
    ) -> None:
        token = await service_token(gateway, platform, "svc-complaints", "events:read")
        events = await gateway.get("/complaints/v1/events", headers={"Authorization": f"Bearer {token}"})
        assert events.status_code == 200, events.text
        assert events.json()["items"] == []

    async def test_complaints_lists_an_opds_supervisors_for_its_sla_escalations(
        self, gateway: httpx.AsyncClient, platform: Platform
    ) -> None:
        """The contract complaints' sla-watch relies on (IdentityServices.staff_with_role): its own client
        credentials, identity:read, items of subject_id/active/agency/roles, active staff only."""
        token = await service_token(gateway, platform, "svc-complaints", "identity:read")
        listed = await gateway.get(
            "/identity/v1/staff-directory",
            params={"role": "supervisor", "agency": "DLH"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert listed.status_code == 200, listed.text
        items = listed.json()["items"]
        assert items, (
            "the seed has a DLH supervisor"
        )  # (signing in to learn its id would spend its TOTP code)
        for item in items:
            assert set(item) == {"subject_id", "active", "agency", "roles"}
            assert (item["active"], item["agency"]) == (True, "DLH")
            assert "supervisor" in item["roles"]

    async def test_a_citizen_token_is_not_a_service_token(
        self, gateway: httpx.AsyncClient, platform: Platform
    ) -> None:
        citizen = account(platform, roles=["citizen"])
        tokens = (
            await password_grant(
                gateway,
                client_id="siantar-citizen-app",
                username=citizen["username"],
                password=citizen["password"],
            )
        ).json()
        events = await gateway.get(
            "/permits/v1/events", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert events.status_code == 403

"""End to end through the gateway: the seeded demo people sign in, and a token issued by identity is
accepted by another service, which verifies it against identity's JWKS fetched over HTTP."""

import base64
import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt
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


class TestSignInWithOpenIdConnect:
    """A third-party-style sign-in through the gateway, as an OIDC library does it: discovery, the authorization
    page (PKCE, state, nonce), the code exchange with an ID token checked against the JWKS, then UserInfo; and
    the access token works at another service."""

    async def test_authorization_code_flow(self, gateway: httpx.AsyncClient, platform: Platform) -> None:
        discovery = (await gateway.get("/identity/.well-known/openid-configuration")).json()
        issuer = f"{platform.gateway_url}/identity"
        assert discovery["issuer"] == issuer
        for endpoint in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
            assert discovery[endpoint].startswith(platform.gateway_url), endpoint

        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        redirect_uri = "id.go.pematangsiantar.warga:/oauth/callback"
        query = {
            "response_type": "code", "client_id": "siantar-citizen-app", "redirect_uri": redirect_uri,
            "scope": "openid profile complaints:read", "state": "st-42", "nonce": "nonce-42",
            "code_challenge": challenge, "code_challenge_method": "S256",
        }  # fmt: skip
        page = await gateway.get(urlsplit(discovery["authorization_endpoint"]).path, params=query)
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found is not None
        citizen = account(platform, roles=["citizen"])
        form = {
            "csrf_token": found.group(1), "decision": "allow",
            "identifier": citizen["username"], "password": citizen["password"],
        }  # fmt: skip
        answer = await gateway.post(urlsplit(discovery["authorization_endpoint"]).path, data=form)
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        assert location.startswith(redirect_uri)
        returned = dict(parse_qsl(urlsplit(location).query))
        assert (returned["state"], returned["iss"]) == ("st-42", issuer)

        exchange = await gateway.post(
            urlsplit(discovery["token_endpoint"]).path,
            data={
                "grant_type": "authorization_code", "client_id": "siantar-citizen-app", "code": returned["code"],
                "redirect_uri": redirect_uri, "code_verifier": verifier,
            },
        )  # fmt: skip
        assert exchange.status_code == 200, exchange.text
        tokens = exchange.json()
        jwks = (await gateway.get(urlsplit(discovery["jwks_uri"]).path)).json()
        kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
        key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
        claims = jwt.decode(
            tokens["id_token"], key, algorithms=discovery["id_token_signing_alg_values_supported"],
            audience="siantar-citizen-app", issuer=issuer,
        )  # fmt: skip
        assert claims["nonce"] == "nonce-42"

        bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
        userinfo = await gateway.get(urlsplit(discovery["userinfo_endpoint"]).path, headers=bearer)
        assert userinfo.status_code == 200, userinfo.text
        assert userinfo.json()["sub"] == claims["sub"]
        assert userinfo.json()["name"]
        mine = await gateway.get("/complaints/v1/me/complaints", headers=bearer)
        assert mine.status_code == 200, mine.text

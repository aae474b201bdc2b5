"""The code exchange at `POST /identity/v1/oauth/token` (grant_type=authorization_code) and its attacks."""

import base64
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from factories_authorize import (
    PASSWORD,
    REDIRECT_URI,
    create_account,
    create_client,
    open_page,
    phone_of,
    pkce_pair,
    response_parameters,
    submit,
)
from httpx import AsyncClient, Response
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from siantar_identity.account.models import Account, AccountStatus
from siantar_identity.audit.models import AuditRecord
from siantar_identity.client.models import ApiClient
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.oauth.authorize_exchange import purge_expired_authorizations
from siantar_identity.oauth.authorize_models import AuthorizationRequest
from siantar_identity.oauth.authorize_service import exchange_code
from siantar_identity.oauth.exceptions import InvalidGrant, UnauthorizedClient
from siantar_identity.oauth.models import AuthorizationCode, TokenFamily
from siantar_identity.security.secrets import token_hash

TOKEN = "/identity/v1/oauth/token"


async def authorized_code(
    http: AsyncClient, session: AsyncSession, settings: Settings, app: ApiClient, account: Account
) -> tuple[str, str]:
    """Run the page (GET, then POST with the CSRF token); returns the code and the PKCE verifier."""
    verifier, challenge = pkce_pair()
    csrf = await open_page(http, app, challenge)
    response = await submit(http, csrf, identifier=phone_of(settings, account), password=PASSWORD)
    assert response.status_code == 303, response.text
    return response_parameters(response.headers["location"])["code"], verifier


async def exchange(http: AsyncClient, app: ApiClient, code: str, verifier: str, **overrides: str) -> Response:
    form = {
        "grant_type": "authorization_code",
        "client_id": app.client_id,
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
        **overrides,
    }
    return await http.post(TOKEN, data=form)


def assert_invalid_grant(response: Response) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"
    assert response.headers["cache-control"] == "no-store"


async def stored_code(session: AsyncSession, code: str) -> AuthorizationCode:
    row = await session.scalar(
        select(AuthorizationCode)
        .where(AuthorizationCode.code_hash == token_hash(code))
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


class TestCodeExchange:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(TOKEN, data={"grant_type": "authorization_code", "code": "x"})
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    async def test_full_flow_gives_tokens_for_the_person(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        clock: FrozenClock,
        identity_tokens: Any,
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        response = await exchange(client, app, code, verifier)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["refresh_token"]
        assert body["scope"] == "complaints:read complaints:write"
        jwks = (await client.get("/identity/.well-known/jwks.json")).json()
        kid = jwt.get_unverified_header(body["access_token"])["kid"]
        key = jwt.PyJWK({k: v for k, v in next(k for k in jwks["keys"] if k["kid"] == kid).items()})
        claims = jwt.decode(
            body["access_token"], key.key, algorithms=["RS256"], audience=settings.TOKEN_AUDIENCE
        )
        assert claims["sub"] == str(account.id)
        assert claims["client_id"] == app.client_id
        assert claims["amr"] == ["pwd"]
        assert claims["acr"] == "0"
        assert claims["roles"] == ["citizen"]
        assert claims["auth_time"] == int(clock.now().timestamp())
        row = await stored_code(session, code)
        assert row.used_at == clock.now()
        assert str(row.family_id) == claims["sid"]
        exchanged = await session.scalar(
            select(AuditRecord).where(AuditRecord.action == "oauth.code_exchanged")
        )
        assert exchanged is not None
        assert (exchanged.actor_id, exchanged.subject_id) == (app.id, account.id)
        # the token works on this service, e.g. for the person's own MFA status
        me = await client.get(
            "/identity/v1/me/mfa", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert me.status_code == 200

    async def test_a_code_used_twice_revokes_what_it_gave(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        first = await exchange(client, app, code, verifier)
        assert first.status_code == 200
        assert_invalid_grant(await exchange(client, app, code, verifier))
        family = await session.get(
            TokenFamily, (await stored_code(session, code)).family_id, populate_existing=True
        )
        assert family is not None
        assert family.revoke_reason == "code_reuse"
        refreshed = await client.post(
            TOKEN,
            data={
                "grant_type": "refresh_token",
                "client_id": app.client_id,
                "refresh_token": first.json()["refresh_token"],
            },
        )
        assert refreshed.status_code == 400
        assert refreshed.json()["error"] == "invalid_grant"
        reuse = await session.scalar(select(AuditRecord).where(AuditRecord.action == "oauth.code_reused"))
        assert reuse is not None
        assert reuse.detail["families_revoked"] == 1

    async def test_wrong_verifier_burns_the_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        other_verifier, _ = pkce_pair()
        assert_invalid_grant(await exchange(client, app, code, other_verifier))
        assert_invalid_grant(await exchange(client, app, code, verifier))
        rejected = await session.scalar(
            select(AuditRecord).where(AuditRecord.action == "oauth.code_rejected")
        )
        assert rejected is not None
        assert rejected.detail["reason"] == "verifier"

    @pytest.mark.parametrize(
        "bad",
        [
            "a" * 42,  # too short
            "a" * 129,  # too long
            "a" * 42 + "+",  # outside the RFC 7636 alphabet
            "a" * 42 + "\u00e9",
        ],
    )
    async def test_verifier_format(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, bad: str
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, _ = await authorized_code(client, session, settings, app, account)
        assert_invalid_grant(await exchange(client, app, code, bad))

    async def test_the_challenge_itself_is_no_verifier(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        """`plain` is never accepted: sending the challenge as the verifier fails."""
        account = await create_account(session, settings)
        app = await create_client(session)
        code, _verifier = await authorized_code(client, session, settings, app, account)
        challenge = (await stored_code(session, code)).code_challenge
        assert_invalid_grant(await exchange(client, app, code, challenge))

    async def test_missing_verifier(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, _ = await authorized_code(client, session, settings, app, account)
        response = await client.post(
            TOKEN,
            data={
                "grant_type": "authorization_code",
                "client_id": app.client_id,
                "code": code,
                "redirect_uri": REDIRECT_URI,
            },
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    @pytest.mark.parametrize(
        "redirect_uri", [REDIRECT_URI + "/", REDIRECT_URI.upper(), REDIRECT_URI + "?x=1"]
    )
    async def test_redirect_uri_must_be_identical(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, redirect_uri: str
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        assert_invalid_grant(await exchange(client, app, code, verifier, redirect_uri=redirect_uri))

    async def test_expired_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        clock.advance(settings.AUTHORIZATION_CODE_TTL + timedelta(seconds=1))
        assert_invalid_grant(await exchange(client, app, code, verifier))

    async def test_code_of_another_client(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        thief = await create_client(session, name="Pencuri")
        code, verifier = await authorized_code(client, session, settings, app, account)
        assert_invalid_grant(await exchange(client, thief, code, verifier))

    async def test_unknown_code(self, client: AsyncClient, session: AsyncSession) -> None:
        app = await create_client(session)
        verifier, _ = pkce_pair()
        assert_invalid_grant(await exchange(client, app, "not-a-code", verifier))

    async def test_account_disabled_after_consent(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        account.status = AccountStatus.disabled
        await session.flush()
        assert_invalid_grant(await exchange(client, app, code, verifier))


class TestExchangeCodeFunction:
    """`exchange_code` as the token endpoint calls it, for what the endpoint checks before it."""

    async def test_client_without_the_grant(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, app_state: dict[str, Any]
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, verifier = await authorized_code(client, session, settings, app, account)
        app.grant_types = ["refresh_token"]
        with pytest.raises(UnauthorizedClient):
            await exchange_code(
                session,
                State(app_state),
                client=app,
                code=code,
                redirect_uri=REDIRECT_URI,
                code_verifier=verifier,
            )
        assert (await stored_code(session, code)).used_at is None

    async def test_oversized_code(self, session: AsyncSession, app_state: dict[str, Any]) -> None:
        app = await create_client(session)
        with pytest.raises(InvalidGrant):
            await exchange_code(
                session,
                State(app_state),
                client=app,
                code="x" * 10_000,
                redirect_uri=REDIRECT_URI,
                code_verifier="v" * 43,
            )


class TestPurgeExpiredAuthorizations:
    async def test_old_requests_and_codes_go_fresh_ones_stay(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        code, _ = await authorized_code(client, session, settings, app, account)
        await purge_expired_authorizations(session)
        assert await session.scalar(select(func.count()).select_from(AuthorizationRequest)) == 1
        assert await session.scalar(select(func.count()).select_from(AuthorizationCode)) == 1
        row = await stored_code(session, code)
        row.expires_at -= timedelta(days=2)
        await session.execute(update(AuthorizationRequest).values(expires_at=clock.now() - timedelta(days=2)))
        await purge_expired_authorizations(session)
        assert await session.scalar(select(func.count()).select_from(AuthorizationRequest)) == 0
        assert await session.scalar(select(func.count()).select_from(AuthorizationCode)) == 0


class TestIdToken:
    """OpenID Connect: with the `openid` scope the code exchange also answers an ID token for the app."""

    async def signed_in(
        self, http: AsyncClient, session: AsyncSession, settings: Settings, scopes: list[str], **query: str
    ) -> tuple[Account, ApiClient, dict[str, Any]]:
        account = await create_account(session, settings)
        app = await create_client(session, scopes=scopes)
        verifier, challenge = pkce_pair()
        csrf = await open_page(http, app, challenge, **query)
        response = await submit(http, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        assert response.status_code == 303, response.text
        code = response_parameters(response.headers["location"])["code"]
        answer = await exchange(http, app, code, verifier)
        assert answer.status_code == 200, answer.text
        return account, app, answer.json()

    @staticmethod
    async def key_of(http: AsyncClient, token: str) -> Any:
        jwks = (await http.get("/identity/.well-known/jwks.json")).json()
        kid = jwt.get_unverified_header(token)["kid"]
        return jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key

    async def test_openid_gives_an_id_token_for_the_app(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account, app, body = await self.signed_in(
            client, session, settings, ["openid", "complaints:read"], nonce="n-0S6_WzA2Mj"
        )
        token = body["id_token"]
        assert jwt.get_unverified_header(token)["typ"] == "JWT"
        claims = jwt.decode(
            token, await self.key_of(client, token), algorithms=["RS256"], audience=app.client_id,
            issuer=settings.issuer,
        )  # fmt: skip
        access = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["sub"] == str(account.id)
        assert claims["azp"] == app.client_id
        assert claims["nonce"] == "n-0S6_WzA2Mj"
        assert claims["auth_time"] == int(clock.now().timestamp())
        assert (claims["acr"], claims["amr"]) == ("0", ["pwd"])
        assert claims["sid"] == access["sid"]
        digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
        assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        # the person by `sub` only: nothing personal in a token the app may keep or log
        assert not {"name", "phone_number", "nik", "email", "roles", "scope"} & set(claims)

    async def test_a_refresh_gives_a_new_one_for_the_same_sign_in(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, app, body = await self.signed_in(
            client, session, settings, ["openid", "complaints:read"], nonce="n-1"
        )
        first = jwt.decode(body["id_token"], options={"verify_signature": False})
        refreshed = await client.post(
            TOKEN,
            data={
                "grant_type": "refresh_token",
                "client_id": app.client_id,
                "refresh_token": body["refresh_token"],
            },
        )
        assert refreshed.status_code == 200, refreshed.text
        again = refreshed.json()
        token = again["id_token"]
        claims = jwt.decode(
            token, await self.key_of(client, token), algorithms=["RS256"], audience=app.client_id,
            issuer=settings.issuer,
        )  # fmt: skip
        assert (claims["sub"], claims["sid"], claims["auth_time"]) == (
            first["sub"],
            first["sid"],
            first["auth_time"],
        )
        assert "nonce" not in claims  # OIDC Core 12.2
        digest = hashlib.sha256(again["access_token"].encode()).digest()[:16]
        assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        narrowed = await client.post(
            TOKEN,
            data={"grant_type": "refresh_token", "client_id": app.client_id,
                  "refresh_token": again["refresh_token"], "scope": "complaints:read"},
        )  # fmt: skip
        assert narrowed.status_code == 200, narrowed.text
        assert "id_token" not in narrowed.json()

    async def test_without_a_nonce_there_is_none(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, app, body = await self.signed_in(client, session, settings, ["openid"])
        claims = jwt.decode(body["id_token"], options={"verify_signature": False})
        assert "nonce" not in claims
        assert claims["aud"] == app.client_id

    async def test_no_openid_no_id_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, _, body = await self.signed_in(client, session, settings, ["complaints:read"])
        assert "id_token" not in body

    async def test_an_id_token_is_no_access_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, identity_tokens: Any
    ) -> None:
        _, _, body = await self.signed_in(client, session, settings, ["openid", "complaints:read"])
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert (await client.get("/identity/v1/me/mfa", headers=bearer)).status_code == 200  # the real one is
        me = await client.get("/identity/v1/me/mfa", headers={"Authorization": f"Bearer {body['id_token']}"})
        assert me.status_code == 401
        with pytest.raises(jwt.InvalidAudienceError):
            jwt.decode(
                body["id_token"], await self.key_of(client, body["id_token"]), algorithms=["RS256"],
                audience=settings.TOKEN_AUDIENCE,
            )  # fmt: skip


USERINFO = "/identity/v1/oauth/userinfo"


class TestUserInfo:
    """OIDC Core §5.3: the person's `sub`, and with `profile` their name and language; nothing more."""

    signed_in = TestIdToken.signed_in

    @pytest.fixture(autouse=True)
    def _own_tokens(self, identity_tokens: Any) -> None:
        """Tokens from `/oauth/token` are checked with identity's own keys, as in production."""

    async def test_profile_gives_the_name(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account, _, body = await self.signed_in(client, session, settings, ["openid", "profile"])
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        for answer in (
            await client.get(USERINFO, headers=bearer),
            await client.post(USERINFO, headers=bearer),
        ):
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"sub": str(account.id), "name": "Warga Uji", "locale": "id"}
            assert answer.headers["cache-control"] == "no-store"

    async def test_openid_alone_gives_the_sub_only(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account, _, body = await self.signed_in(client, session, settings, ["openid"])
        answer = await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert answer.json() == {"sub": str(account.id)}

    async def test_without_openid_it_is_403_insufficient_scope(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        _, _, body = await self.signed_in(client, session, settings, ["complaints:read"])
        answer = await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert answer.status_code == 403
        assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]

    async def test_no_token_and_a_disabled_account_are_401(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        assert (await client.get(USERINFO)).status_code == 401
        account, _, body = await self.signed_in(client, session, settings, ["openid", "profile"])
        await session.execute(
            update(Account).where(Account.id == account.id).values(status=AccountStatus.disabled)
        )
        answer = await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert answer.status_code == 401
        assert "Warga" not in answer.text

    async def test_a_restricted_person_is_not_named(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account, _, body = await self.signed_in(client, session, settings, ["openid", "profile"])
        await session.execute(
            update(Account).where(Account.id == account.id).values(restricted_at=datetime.now(UTC))
        )
        answer = await client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
        assert answer.json() == {"sub": str(account.id)}

    async def test_discovery_names_it(self, client: AsyncClient) -> None:
        document = (await client.get("/identity/.well-known/openid-configuration")).json()
        assert document["userinfo_endpoint"].endswith("/identity/v1/oauth/userinfo")

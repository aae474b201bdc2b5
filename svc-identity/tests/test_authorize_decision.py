"""`POST /identity/v1/oauth/authorize`: the CSRF token, the sign-in, consent, and the code it issues."""

from datetime import timedelta

from factories_authorize import (
    AUTHORIZE,
    PASSWORD,
    REDIRECT_URI,
    bearer,
    create_account,
    create_client,
    create_staff,
    csrf_token_of,
    enrol_totp,
    open_page,
    phone_of,
    pkce_pair,
    response_parameters,
    submit,
)
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.models import AuditRecord
from siantar_identity.client.models import ClientProfile
from siantar_identity.clock import FrozenClock
from siantar_identity.config import Settings
from siantar_identity.mfa import totp
from siantar_identity.oauth.models import AuthorizationCode
from siantar_identity.security.secrets import token_hash
from siantar_shared.testing.tokens import TestKeys


async def codes_issued(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(AuthorizationCode)) or 0)


class TestAuthorizeDecision:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession) -> None:
        response = await client.post(AUTHORIZE, data={"decision": "allow"})
        assert response.status_code == 400
        assert "location" not in response.headers
        assert await codes_issued(session) == 0

    async def test_sign_in_and_allow_redirects_with_a_code(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        _, challenge = pkce_pair()
        csrf = await open_page(client, app, challenge)
        response = await submit(client, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        assert response.status_code == 303, response.text
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        location = response.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        parameters = response_parameters(location)
        assert parameters["state"] == "af0ifjsldkj"
        assert parameters["iss"] == settings.issuer
        code = parameters["code"]
        assert len(code) >= 43
        stored = await session.scalar(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == token_hash(code))
        )
        assert stored is not None
        assert (stored.client_id, stored.redirect_uri, stored.code_challenge, stored.account_id) == (
            app.client_id, REDIRECT_URI, challenge, account.id,
        )  # fmt: skip
        assert stored.expires_at == clock.now() + settings.AUTHORIZATION_CODE_TTL
        assert stored.amr == ["pwd"]
        assert stored.used_at is None
        assert stored.scope == "complaints:read complaints:write"
        audited = await session.scalar(select(AuditRecord).where(AuditRecord.action == "oauth.authorize"))
        assert audited is not None
        assert audited.subject_id == account.id
        assert audited.client_id == app.client_id

    async def test_refusing_tells_the_app_access_denied(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await submit(client, csrf, decision="deny")
        assert response.status_code == 303
        parameters = response_parameters(response.headers["location"])
        assert parameters["error"] == "access_denied"
        assert parameters["state"] == "af0ifjsldkj"
        assert "code" not in parameters
        assert await codes_issued(session) == 0

    async def test_missing_csrf_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        await open_page(client, app, pkce_pair()[1])
        response = await submit(client, None, identifier=phone_of(settings, account), password=PASSWORD)
        assert response.status_code == 400
        assert "location" not in response.headers
        assert await codes_issued(session) == 0

    async def test_csrf_token_is_single_use(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        assert (await submit(client, csrf, decision="deny")).status_code == 303
        again = await submit(client, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        assert again.status_code == 400
        assert "location" not in again.headers
        assert await codes_issued(session) == 0

    async def test_csrf_token_from_another_browser(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        """The attacker loads the page in their own browser and makes the victim's browser post its token."""
        account = await create_account(session, settings)
        app = await create_client(session)
        attackers_token = await open_page(client, app, pkce_pair()[1])
        client.cookies.clear()
        await open_page(client, app, pkce_pair()[1])  # the victim's own page: another browser binding
        response = await submit(
            client, attackers_token, identifier=phone_of(settings, account), password=PASSWORD
        )
        assert response.status_code == 400
        assert "location" not in response.headers
        client.cookies.clear()
        no_cookie = await submit(
            client, attackers_token, identifier=phone_of(settings, account), password=PASSWORD
        )
        assert no_cookie.status_code == 400
        assert await codes_issued(session) == 0

    async def test_csrf_token_of_another_request_answers_that_request_only(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        """Two tabs, two apps: a token answers its own request, whatever other fields the form carries."""
        account = await create_account(session, settings)
        first = await create_client(session)
        second = await create_client(session, redirect_uris=["https://second.example.org/cb"])
        first_token = await open_page(client, first, pkce_pair()[1])
        await open_page(client, second, pkce_pair()[1])
        response = await submit(
            client,
            first_token,
            identifier=phone_of(settings, account),
            password=PASSWORD,
            client_id=second.client_id,
            redirect_uri="https://evil.example/cb",
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith(REDIRECT_URI + "?code=")
        code = await session.scalar(select(AuthorizationCode))
        assert code is not None
        assert code.client_id == first.client_id

    async def test_expired_page(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        clock.advance(timedelta(minutes=11))
        response = await submit(client, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        assert response.status_code == 400
        assert "location" not in response.headers

    async def test_client_revoked_while_the_page_was_open(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        app.revoked_at = clock.now()
        await session.flush()
        response = await submit(client, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        assert response.status_code == 400
        assert "location" not in response.headers

    async def test_wrong_password_shows_the_page_again_with_a_new_token(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await submit(client, csrf, identifier=phone_of(settings, account), password="salah sekali")
        assert response.status_code == 400
        assert "location" not in response.headers
        assert 'role="alert"' in response.text
        assert "kata sandi" in response.text
        assert response.headers["x-frame-options"] == "DENY"
        fresh = csrf_token_of(response.text)
        assert fresh != csrf
        assert (
            await submit(client, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        ).status_code == 400
        retried = await submit(client, fresh, identifier=phone_of(settings, account), password=PASSWORD)
        assert retried.status_code == 303
        failures = await session.scalar(
            select(func.count()).where(AuditRecord.action == "auth.login", AuditRecord.outcome == "failure")
        )
        assert failures == 1

    async def test_missing_credentials(self, client: AsyncClient, session: AsyncSession) -> None:
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await submit(client, csrf, identifier="", password="")
        assert response.status_code == 400
        assert csrf_token_of(response.text) != csrf

    async def test_guessing_is_throttled(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        statuses = []
        for attempt in range(8):
            response = await submit(
                client, csrf, identifier=phone_of(settings, account), password=f"tebakan {attempt}"
            )
            statuses.append(response.status_code)
            csrf = csrf_token_of(response.text)
        assert statuses[-1] == 429
        assert int(response.headers["retry-after"]) >= 1
        assert await codes_issued(session) == 0

    async def test_staff_cannot_sign_in_to_a_third_party_app(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        staff = await create_staff(session, settings)
        secret = await enrol_totp(session, settings, staff, at=clock.now())
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await submit(
            client,
            csrf,
            identifier=staff.username or "",
            password=PASSWORD,
            otp=totp.code_at(secret, clock.now()),
        )
        assert response.status_code == 403
        assert "location" not in response.headers
        assert await codes_issued(session) == 0

    async def test_second_factor_when_the_account_has_one(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        account = await create_account(session, settings)
        secret = await enrol_totp(session, settings, account, at=clock.now())
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        without = await submit(client, csrf, identifier=phone_of(settings, account), password=PASSWORD)
        assert without.status_code == 400
        csrf = csrf_token_of(without.text)
        response = await submit(
            client,
            csrf,
            identifier=phone_of(settings, account),
            password=PASSWORD,
            otp=totp.code_at(secret, clock.now()),
        )
        assert response.status_code == 303
        code = await session.scalar(select(AuthorizationCode))
        assert code is not None
        assert code.amr == ["pwd", "otp"]

    async def test_unknown_decision(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await submit(
            client, csrf, identifier=phone_of(settings, account), password=PASSWORD, decision="maybe"
        )
        assert response.status_code == 400
        assert csrf_token_of(response.text) != csrf
        assert await codes_issued(session) == 0

    async def test_recovery_code_instead_of_the_authenticator(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        clock: FrozenClock,
        test_keys: TestKeys,
    ) -> None:
        account = await create_account(session, settings)
        headers = bearer(test_keys, account.id, auth_time=int(clock.now().timestamp()))
        secret = (await client.post("/identity/v1/me/mfa/totp", json={}, headers=headers)).json()["secret"]
        confirmed = await client.post(
            "/identity/v1/me/mfa/totp/confirm",
            json={"code": totp.code_at(secret, clock.now())},
            headers=headers,
        )
        recovery_code = confirmed.json()["codes"][0]
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await submit(
            client,
            csrf,
            identifier=phone_of(settings, account),
            password=PASSWORD,
            recovery_code=recovery_code,
        )
        assert response.status_code == 303
        csrf = await open_page(client, app, pkce_pair()[1])
        again = await submit(
            client,
            csrf,
            identifier=phone_of(settings, account),
            password=PASSWORD,
            recovery_code=recovery_code,
        )
        assert again.status_code == 400
        assert await codes_issued(session) == 1

    async def test_the_officer_console_signs_staff_in(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, clock: FrozenClock
    ) -> None:
        staff = await create_staff(session, settings)
        secret = await enrol_totp(session, settings, staff, at=clock.now())
        citizen = await create_account(session, settings)
        console = await create_client(session, profile=ClientProfile.staff_app, first_party=True)
        csrf = await open_page(client, console, pkce_pair()[1])
        refused = await submit(client, csrf, identifier=phone_of(settings, citizen), password=PASSWORD)
        assert refused.status_code == 403
        csrf = csrf_token_of(refused.text)
        response = await submit(
            client,
            csrf,
            identifier=staff.username or "",
            password=PASSWORD,
            otp=totp.code_at(secret, clock.now()),
        )
        assert response.status_code == 303
        assert "bukan buatan Pemerintah" not in refused.text

    async def test_idempotency_key_is_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings
    ) -> None:
        account = await create_account(session, settings)
        app = await create_client(session)
        csrf = await open_page(client, app, pkce_pair()[1])
        response = await client.post(
            AUTHORIZE,
            data={
                "csrf_token": csrf,
                "decision": "allow",
                "identifier": phone_of(settings, account),
                "password": PASSWORD,
            },
            headers={"Idempotency-Key": "0b6f1a1e-3a59-4e54-a4c8-9a9f1b5b7c11"},
        )
        assert response.status_code == 400
        assert "location" not in response.headers
        assert await codes_issued(session) == 0

"""`GET /identity/v1/oauth/authorize`: the request's checks, the page, and the attacks on both."""

import pytest
from factories_authorize import (
    AUTHORIZE,
    REDIRECT_URI,
    authorize_query,
    create_client,
    csrf_token_of,
    pkce_pair,
    response_parameters,
)
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.oauth.authorize_models import AuthorizationRequest


def assert_error_page(response: object) -> None:
    """An HTML error page: never a redirect, and nothing about the app's address in a Location."""
    from httpx import Response

    assert isinstance(response, Response)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert 'name="csrf_token"' not in response.text


class TestAuthorizePage:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(AUTHORIZE)
        assert_error_page(response)

    async def test_page_names_the_app_its_maker_and_what_it_asks(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        app = await create_client(session, name="Lapor Cepat", owner="CV Contoh Digital")
        _, challenge = pkce_pair()
        response = await client.get(AUTHORIZE, params=authorize_query(app, challenge))
        assert response.status_code == 200
        page = response.text
        assert '<html lang="id">' in page
        assert "Lapor Cepat ingin mengakses akun Siantar Anda." in page
        assert "CV Contoh Digital" in page
        assert "Melihat pengaduan Anda dan perkembangannya" in page
        assert "Mengirim pengaduan atas nama Anda" in page
        assert "bukan buatan Pemerintah Kota Pematangsiantar" in page
        assert "app.example.org" in page
        assert csrf_token_of(page)
        stored = await session.scalar(
            select(AuthorizationRequest).where(AuthorizationRequest.client_id == app.client_id)
        )
        assert stored is not None
        assert stored.code_challenge == challenge
        assert stored.state == "af0ifjsldkj"
        assert csrf_token_of(page) not in (stored.csrf_hash, stored.browser_hash)

    async def test_english_from_ui_locales_or_accept_language(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        app = await create_client(session)
        _, challenge = pkce_pair()
        by_locales = await client.get(
            AUTHORIZE, params=authorize_query(app, challenge, ui_locales="en-GB id")
        )
        assert '<html lang="en">' in by_locales.text
        assert "wants to access your Siantar account" in by_locales.text
        by_header = await client.get(
            AUTHORIZE, params=authorize_query(app, challenge), headers={"Accept-Language": "en-US,en;q=0.9"}
        )
        assert "See your complaints and their progress" in by_header.text
        overridden = await client.get(
            AUTHORIZE,
            params=authorize_query(app, challenge, ui_locales="id"),
            headers={"Accept-Language": "en"},
        )
        assert '<html lang="id">' in overridden.text

    async def test_the_page_refuses_framing_caching_and_scripts(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        app = await create_client(session)
        _, challenge = pkce_pair()
        response = await client.get(AUTHORIZE, params=authorize_query(app, challenge))
        headers = response.headers
        assert headers["x-frame-options"] == "DENY"
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "no-referrer"
        assert "<script" not in response.text.lower()
        assert "style=" not in response.text.lower()
        cookie = headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        stylesheet = await client.get("/identity/v1/oauth/authorize.css")
        assert stylesheet.status_code == 200
        assert stylesheet.headers["content-type"].startswith("text/css")

    async def test_app_names_are_escaped(self, client: AsyncClient, session: AsyncSession) -> None:
        app = await create_client(session, name='<script>alert("x")</script>', owner="<b>Owner</b>")
        _, challenge = pkce_pair()
        response = await client.get(AUTHORIZE, params=authorize_query(app, challenge))
        assert "<script>" not in response.text
        assert "<b>" not in response.text
        assert "&lt;script&gt;" in response.text

    async def test_unknown_client_is_an_error_page_never_a_redirect(self, client: AsyncClient) -> None:
        query = {
            "response_type": "code",
            "client_id": "no-such-app",
            "redirect_uri": "https://evil.example/steal",
            "state": "s",
            "code_challenge": pkce_pair()[1],
            "code_challenge_method": "S256",
            "scope": "complaints:read",
        }
        response = await client.get(AUTHORIZE, params=query)
        assert_error_page(response)
        assert "evil.example" not in response.text

    async def test_revoked_client_is_an_error_page(self, client: AsyncClient, session: AsyncSession) -> None:
        from datetime import UTC, datetime

        app = await create_client(session, revoked_at=datetime.now(UTC))
        response = await client.get(AUTHORIZE, params=authorize_query(app, pkce_pair()[1]))
        assert_error_page(response)

    @pytest.mark.parametrize(
        "redirect_uri",
        [
            REDIRECT_URI + "/",  # trailing slash
            REDIRECT_URI.replace("callback", "Callback"),  # case of the path
            REDIRECT_URI.replace("app.example.org", "APP.example.org"),  # case of the host
            REDIRECT_URI + "?next=https://evil.example",  # extra query
            REDIRECT_URI + "#x",  # fragment
            REDIRECT_URI.replace("https://app.example.org", "https://app.example.org:443"),  # explicit port
            REDIRECT_URI.replace("https", "http"),  # scheme
            REDIRECT_URI + "x",  # one more character
            REDIRECT_URI[:-1],  # one fewer (prefix of the registered one)
            "https://app.example.org.evil.example/callback",
            None,  # missing
        ],
    )
    async def test_redirect_uri_must_match_exactly(
        self, client: AsyncClient, session: AsyncSession, redirect_uri: str | None
    ) -> None:
        app = await create_client(session)
        query = authorize_query(app, pkce_pair()[1], redirect_uri=redirect_uri)
        response = await client.get(AUTHORIZE, params=query)
        assert_error_page(response)
        count = await session.scalar(select(func.count()).select_from(AuthorizationRequest))
        assert count == 0

    async def test_dangerous_registered_uri_is_still_refused(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        app = await create_client(
            session, redirect_uris=["javascript:alert(1)//", "http://app.example.org/cb"]
        )
        for uri in app.redirect_uris:
            response = await client.get(
                AUTHORIZE, params=authorize_query(app, pkce_pair()[1], redirect_uri=uri)
            )
            assert_error_page(response)

    async def test_repeated_client_or_redirect_uri_is_an_error_page(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        app = await create_client(session)
        query = list(authorize_query(app, pkce_pair()[1]).items()) + [
            ("redirect_uri", "https://evil.example/")
        ]
        assert_error_page(await client.get(AUTHORIZE, params=query))

    @pytest.mark.parametrize(
        ("overrides", "error"),
        [
            ({"code_challenge": None}, "invalid_request"),  # no PKCE
            ({"code_challenge_method": None}, "invalid_request"),  # defaults to plain
            ({"code_challenge_method": "plain"}, "invalid_request"),
            ({"code_challenge": "too-short"}, "invalid_request"),
            ({"response_type": "token"}, "unsupported_response_type"),
            ({"response_type": None}, "invalid_request"),
            ({"scope": "complaints:read permits:write"}, "invalid_scope"),  # not allowed for this app
            ({"scope": None}, "invalid_scope"),
            ({"prompt": "none"}, "login_required"),
            ({"nonce": "n" * 256}, "invalid_request"),
        ],
    )
    async def test_other_problems_go_back_to_the_app(
        self, client: AsyncClient, session: AsyncSession, overrides: dict[str, str | None], error: str
    ) -> None:
        app = await create_client(session)
        response = await client.get(AUTHORIZE, params=authorize_query(app, pkce_pair()[1], **overrides))
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith(REDIRECT_URI + "?")
        parameters = response_parameters(location)
        assert parameters["error"] == error
        assert parameters["state"] == "af0ifjsldkj"
        assert "code" not in parameters
        assert response.headers["cache-control"] == "no-store"

    async def test_client_without_the_grant(self, client: AsyncClient, session: AsyncSession) -> None:
        app = await create_client(session, grant_types=["client_credentials"])
        response = await client.get(AUTHORIZE, params=authorize_query(app, pkce_pair()[1]))
        assert response.status_code == 303
        assert response_parameters(response.headers["location"])["error"] == "unauthorized_client"

    async def test_registered_query_is_kept(self, client: AsyncClient, session: AsyncSession) -> None:
        registered = "https://app.example.org/callback?tenant=siantar"
        app = await create_client(session, redirect_uris=[registered])
        response = await client.get(
            AUTHORIZE, params=authorize_query(app, pkce_pair()[1], response_type="token")
        )
        assert response.headers["location"].startswith(registered + "&error=unsupported_response_type")

"""Access tokens: real RS256 tokens verified through a JWKS, and the `require(...)` dependency."""

import base64
import hashlib
import hmac
import json
import time
import types
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from fastapi import FastAPI

from siantar_shared import auth
from siantar_shared.auth import (
    JWKS_MAX_AGE,
    JWKS_REFRESH_INTERVAL,
    AnyPrincipal,
    JwksCache,
    OptionalPrincipal,
    Principal,
    Role,
    ServicePrincipal,
    TokenVerifier,
    principal_from_claims,
    require,
)
from siantar_shared.errors import PROBLEM_JSON, Unauthorized, install_error_handlers
from siantar_shared.testing.plugin import StateInjector
from siantar_shared.testing.tokens import TEST_AUDIENCE, TEST_ISSUER, TEST_JWKS_URL, TestKeys


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(
    header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes] = lambda _: b""
) -> str:
    """A token built by hand, for what PyJWT refuses to produce (alg none, HMAC with a public key)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def rs256(keys: TestKeys) -> Callable[[bytes], bytes]:
    """A real RS256 signature by `keys`, for headers or claims PyJWT would refuse to encode."""
    return lambda data: keys.private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def valid_claims() -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": TEST_ISSUER,
        "aud": TEST_AUDIENCE,
        "sub": str(uuid4()),
        "client_id": "app",
        "iat": now,
        "exp": now + 300,
        "roles": ["admin"],
        "scope": "complaints:write",
    }


class Clock:
    """`time.monotonic` as the JWKS cache sees it, moved forward by hand."""

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    # only the auth module's view of time moves; the event loop's clock is left alone
    monkeypatch.setattr(auth, "time", types.SimpleNamespace(monotonic=clock.monotonic, time=time.time))
    return clock


@pytest.fixture
async def jwks_client(test_keys: TestKeys) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=test_keys.transport()) as client:
        yield client


@pytest.fixture
def verifier(test_keys: TestKeys, jwks_client: httpx.AsyncClient) -> TokenVerifier:
    """A fresh verifier (empty key cache) per test."""
    return test_keys.verifier(jwks_client)


class JwksServer:
    """A JWKS endpoint whose keys (or failure) a test can change."""

    def __init__(self, *keys: TestKeys) -> None:
        self.keys = list(keys)
        self.requests = 0
        self.failure: httpx.Response | Exception | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if isinstance(self.failure, Exception):
            raise self.failure
        if self.failure is not None:
            return self.failure
        return httpx.Response(200, json={"keys": [k.jwks["keys"][0] for k in self.keys]})

    def verifier(self, client: httpx.AsyncClient) -> TokenVerifier:
        return TokenVerifier(JwksCache(TEST_JWKS_URL, client), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)


async def rejected(verifier: TokenVerifier, token: str) -> Unauthorized:
    with pytest.raises(Unauthorized) as excinfo:
        await verifier.verify(token)
    return excinfo.value


def english(error: Unauthorized) -> str:
    detail = error.detail
    assert detail is not None
    return detail if isinstance(detail, str) else detail.en


class TestTokenVerifier:
    async def test_valid_token(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        subject = uuid4()
        token = test_keys.mint(
            subject=subject,
            roles=["officer", "supervisor", "no-such-role"],
            scopes=["complaints:read", "complaints:write"],
            agency="DLH",
            acr=2,
            amr=["pwd", "otp"],
            client_id="siantar-web",
        )
        principal = await verifier.verify(token)
        assert principal.subject == subject
        assert principal.client_id == "siantar-web"
        assert principal.roles == frozenset({Role.officer, Role.supervisor})
        assert principal.scopes == frozenset({"complaints:read", "complaints:write"})
        assert principal.agency == "DLH"
        assert principal.acr == 2
        assert isinstance(principal.acr, int)
        assert principal.amr == ("pwd", "otp")
        assert principal.token_id
        assert principal.has_role(Role.officer, Role.admin)
        assert not principal.has_role(Role.admin)
        assert not principal.is_service

    async def test_defaults_of_a_minimal_token(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        token = test_keys.mint(roles=[], acr=None, amr=None, scope=None, jti=None)
        principal = await verifier.verify(token)
        assert principal.roles == frozenset()
        assert principal.scopes == frozenset()
        assert (principal.acr, principal.amr, principal.agency, principal.token_id) == (0, (), None, None)

    async def test_application_at_jwt_type(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        token = test_keys.mint(headers={"typ": "application/at+JWT"})
        assert await verifier.verify(token)

    async def test_audience_list(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        assert await verifier.verify(test_keys.mint(aud=["other", TEST_AUDIENCE]))

    async def test_within_leeway(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        assert await verifier.verify(test_keys.mint(lifetime=-10))

    async def test_expired(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        error = await rejected(verifier, test_keys.mint(lifetime=-120))
        assert english(error) == "Token expired"
        assert error.headers == {"WWW-Authenticate": 'Bearer error="invalid_token"'}

    async def test_not_yet_valid(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        await rejected(verifier, test_keys.mint(nbf=int(time.time()) + 600))

    async def test_issued_in_the_future(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        await rejected(verifier, test_keys.mint(iat=int(time.time()) + 600))

    async def test_wrong_issuer(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        assert english(await rejected(verifier, test_keys.mint(iss="https://evil.example/identity/v1"))) == (
            "Invalid token"
        )

    async def test_wrong_audience(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        await rejected(verifier, test_keys.mint(aud="another-api"))

    @pytest.mark.parametrize("claim", ["exp", "iat", "iss", "aud", "sub", "client_id"])
    async def test_required_claim_missing(
        self, test_keys: TestKeys, verifier: TokenVerifier, claim: str
    ) -> None:
        removed: dict[str, Any] = {claim: None}
        await rejected(verifier, test_keys.mint(**removed))

    async def test_signed_by_another_key_with_our_kid(
        self, test_keys: TestKeys, verifier: TokenVerifier
    ) -> None:
        impostor = TestKeys(kid=test_keys.kid)
        await rejected(verifier, impostor.mint())

    async def test_tampered_claims(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        header, _, signature = test_keys.mint(roles=["citizen"]).split(".")
        claims = valid_claims() | {"roles": ["admin"]}
        await rejected(verifier, f"{header}.{b64(json.dumps(claims).encode())}.{signature}")

    @pytest.mark.parametrize("alg", ["none", "None", "NONE"])
    async def test_alg_none(self, test_keys: TestKeys, verifier: TokenVerifier, alg: str) -> None:
        token = forge({"alg": alg, "typ": "at+jwt", "kid": test_keys.kid}, valid_claims())
        assert english(await rejected(verifier, token)) == "Token type or algorithm not accepted"

    @pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
    async def test_hmac_with_the_public_key_as_secret(
        self, test_keys: TestKeys, verifier: TokenVerifier, alg: str
    ) -> None:
        """Algorithm confusion: the public key (PEM or JWK JSON) used as an HMAC secret."""
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        pem = test_keys.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        for secret in (pem, json.dumps(test_keys.jwks["keys"][0]).encode()):
            token = forge(
                {"alg": alg, "typ": "at+jwt", "kid": test_keys.kid},
                valid_claims(),
                lambda data, secret=secret: hmac.new(secret, data, digest).digest(),  # type: ignore[misc]
            )
            await rejected(verifier, token)

    async def test_algorithm_must_match_the_key(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        """The JWK says RS256; a PS256 signature by the same key, or an EC alg on an RSA key, is refused."""
        await rejected(verifier, test_keys.mint(headers={"alg": "PS256"}))
        ec_key = ec.generate_private_key(ec.SECP256R1())
        es_token = jwt.encode(
            valid_claims(), ec_key, algorithm="ES256", headers={"kid": test_keys.kid, "typ": "at+jwt"}
        )
        await rejected(verifier, es_token)
        forged = forge(
            {"alg": "ES256", "typ": "at+jwt", "kid": test_keys.kid}, valid_claims(), lambda _: b"x" * 64
        )
        await rejected(verifier, forged)

    @pytest.mark.parametrize("typ", ["JWT", "jwt", "at+jwt2", "", None, 123, ["at+jwt"], {"a": 1}])
    async def test_wrong_typ(self, test_keys: TestKeys, verifier: TokenVerifier, typ: object) -> None:
        if typ is None or isinstance(typ, str):
            token = test_keys.mint(headers={"typ": typ})
        else:
            token = forge({"alg": "RS256", "typ": typ, "kid": test_keys.kid}, valid_claims())
        await rejected(verifier, token)

    @pytest.mark.parametrize(
        "token",
        [
            "",
            "abc",
            "a.b.c",
            "a.b",
            "...",
            "ey.ey.ey",
            b64(b"[1,2]") + ".e30.",
            b64(b'{"alg": "RS256", "typ": "at+jwt"}') + ".not-base64!!.sig",
            b64(b"\xff\xfe") + ".e30.",
            "x" * 10_000,
            "é.é.é",
        ],
    )
    async def test_malformed(self, verifier: TokenVerifier, token: str) -> None:
        await rejected(verifier, token)

    @pytest.mark.parametrize("kid", [None, 123, ["test-key-1"], {"k": 1}, "", "unknown"])
    async def test_odd_kid(self, test_keys: TestKeys, verifier: TokenVerifier, kid: object) -> None:
        header = {"alg": "RS256", "typ": "at+jwt"} | ({} if kid is None else {"kid": kid})
        await rejected(verifier, forge(header, valid_claims(), rs256(test_keys)))

    async def test_forge_helper_makes_valid_tokens(
        self, test_keys: TestKeys, verifier: TokenVerifier
    ) -> None:
        header = {"alg": "RS256", "typ": "at+jwt", "kid": test_keys.kid}
        assert await verifier.verify(forge(header, valid_claims(), rs256(test_keys)))

    @pytest.mark.parametrize(
        "overrides",
        [
            {"sub": "not-a-uuid"},
            {"sub": 12345},
            {"acr": "high"},
            {"acr": "10"},
            {"acr": -1},
            {"acr": [1]},
            {"acr": True},
            {"acr": "²"},
            {"roles": "admin"},
            {"roles": {"admin": True}},
            {"roles": [{"x": 1}]},
            {"roles": ["admin", 5]},
            {"amr": [1, 2]},
            {"amr": "pwd"},
            {"amr": 5},
            {"agency": 7},
            {"agency": ["DLH"]},
            {"client_id": {"x": 1}},
            {"client_id": 42},
            {"scope": 12},
            {"scope": ["complaints:write"]},
            {"jti": 99},
            {"exp": "tomorrow"},
            {"iat": "now"},
        ],
    )
    async def test_odd_claims_are_401_not_500(
        self, test_keys: TestKeys, verifier: TokenVerifier, overrides: dict[str, Any]
    ) -> None:
        header = {"alg": "RS256", "typ": "at+jwt", "kid": test_keys.kid}
        await rejected(verifier, forge(header, valid_claims() | overrides, rs256(test_keys)))

    @pytest.mark.parametrize(("acr", "level"), [(0, 0), (2, 2), ("1", 1), ("2", 2)])
    def test_acr_levels(self, acr: object, level: int) -> None:
        assert principal_from_claims(valid_claims() | {"acr": acr}).acr == level

    def test_absent_or_null_lists_are_empty(self) -> None:
        principal = principal_from_claims(valid_claims() | {"roles": None, "amr": None, "scope": None})
        assert (principal.roles, principal.amr, principal.scopes) == (frozenset(), (), frozenset())


class TestJwksCache:
    async def test_fetched_once_and_cached(
        self, test_keys: TestKeys, verifier: TokenVerifier, clock: Clock
    ) -> None:
        before = test_keys.jwks_requests
        for _ in range(5):
            await verifier.verify(test_keys.mint())
        assert test_keys.jwks_requests - before == 1

    async def test_unknown_kid_refetches_at_most_every_30_seconds(
        self, test_keys: TestKeys, verifier: TokenVerifier, clock: Clock
    ) -> None:
        before = test_keys.jwks_requests
        stranger = TestKeys(kid="unknown-kid")
        error = await rejected(verifier, stranger.mint())  # first use: one fetch, kid still unknown
        assert english(error) == "Unknown token signing key"
        assert test_keys.jwks_requests - before == 1
        for _ in range(10):
            await rejected(verifier, stranger.mint())
        clock.advance(JWKS_REFRESH_INTERVAL - 1)
        await rejected(verifier, stranger.mint())
        assert test_keys.jwks_requests - before == 1  # throttled
        clock.advance(1.5)
        await rejected(verifier, stranger.mint())
        assert test_keys.jwks_requests - before == 2  # one more fetch after 30 s
        for _ in range(5):
            await rejected(verifier, stranger.mint())
        assert test_keys.jwks_requests - before == 2
        assert await verifier.verify(test_keys.mint())  # known keys keep working meanwhile
        assert test_keys.jwks_requests - before == 2

    async def test_key_rotation(self, test_keys: TestKeys, clock: Clock) -> None:
        rotated = TestKeys(kid="test-key-2")
        server = JwksServer(test_keys)
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
            verifier = server.verifier(client)
            assert await verifier.verify(test_keys.mint())
            server.keys = [test_keys, rotated]  # identity publishes the next key...
            clock.advance(JWKS_REFRESH_INTERVAL + 1)
            assert await verifier.verify(rotated.mint())  # ...and its tokens work after one refetch
            assert await verifier.verify(test_keys.mint())
            assert server.requests == 2
            server.keys = [rotated]  # the old key is withdrawn
            clock.advance(JWKS_REFRESH_INTERVAL + 1)
            await rejected(verifier, TestKeys(kid="test-key-3").mint())  # an unknown kid triggers the refetch
            assert server.requests == 3
            await rejected(verifier, test_keys.mint())
            assert await verifier.verify(rotated.mint())

    async def test_withdrawn_key_stops_verifying_within_max_age(
        self, test_keys: TestKeys, clock: Clock
    ) -> None:
        server = JwksServer(test_keys)
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
            verifier = server.verifier(client)
            assert await verifier.verify(test_keys.mint())
            server.keys = [TestKeys(kid="replacement")]  # withdrawn after a compromise
            clock.advance(JWKS_MAX_AGE - 1)
            assert await verifier.verify(test_keys.mint())  # still trusted inside max_age, no refetch
            assert server.requests == 1
            clock.advance(2)
            await rejected(verifier, test_keys.mint())  # the set is old: fetched again, the key is gone
            assert server.requests == 2

    async def test_known_keys_survive_a_failed_refresh(self, test_keys: TestKeys, clock: Clock) -> None:
        server = JwksServer(test_keys)
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
            verifier = server.verifier(client)
            assert await verifier.verify(test_keys.mint())
            server.failure = httpx.ConnectError("identity is down")
            clock.advance(JWKS_MAX_AGE + 1)
            assert await verifier.verify(test_keys.mint())  # identity down must not stop this service
            assert server.requests == 2

    @pytest.mark.parametrize(
        "failure",
        [
            httpx.Response(503),
            httpx.Response(404),
            httpx.Response(200, text="<html>not json</html>"),
            httpx.Response(200, json=[]),
            httpx.Response(200, json={"keys": 5}),
            httpx.Response(200, json={"keys": "abc"}),
            httpx.Response(200, json={"nokeys": []}),
            httpx.ConnectError("connection refused"),
            httpx.ReadTimeout("timed out"),
        ],
    )
    async def test_jwks_unavailable_is_401(
        self, test_keys: TestKeys, failure: httpx.Response | Exception
    ) -> None:
        server = JwksServer(test_keys)
        server.failure = failure
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
            await rejected(server.verifier(client), test_keys.mint())

    @pytest.mark.parametrize(
        "bad_key",
        [
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "kid": "broken", "n": "AQAB"},
            {"kty": "XYZ", "kid": "weird"},
            {"kid": "no-kty"},
            {"kty": "RSA", "kid": "enc", "use": "enc"},
            "just a string",
            7,
            None,
        ],
    )
    async def test_bad_keys_in_the_set_are_skipped(self, test_keys: TestKeys, bad_key: object) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json={"keys": [bad_key, test_keys.jwks["keys"][0]]})

        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            verifier = TokenVerifier(
                JwksCache(TEST_JWKS_URL, client), issuer=TEST_ISSUER, audience=TEST_AUDIENCE
            )
            assert await verifier.verify(test_keys.mint())

    async def test_recovers_after_an_outage(self, test_keys: TestKeys, clock: Clock) -> None:
        server = JwksServer(test_keys)
        server.failure = httpx.ConnectError("down")
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
            verifier = server.verifier(client)
            await rejected(verifier, test_keys.mint())
            await rejected(verifier, test_keys.mint())
            assert server.requests == 1  # an outage does not turn every request into a JWKS call
            server.failure = None
            clock.advance(JWKS_REFRESH_INTERVAL + 1)
            assert await verifier.verify(test_keys.mint())
            assert server.requests == 2


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    def dump(principal: Principal | None) -> dict[str, Any] | None:
        return None if principal is None else {"subject": str(principal.subject), "acr": principal.acr}

    @app.get("/me")
    async def me(principal: AnyPrincipal) -> dict[str, Any] | None:
        return dump(principal)

    @app.get("/optional")
    async def optional(principal: OptionalPrincipal) -> dict[str, Any] | None:
        return dump(principal)

    @app.get("/officers")
    async def officers(
        principal: Annotated[Principal, require(roles={Role.officer, Role.supervisor})],
    ) -> Any:
        return dump(principal)

    @app.post("/complaints")
    async def write(
        principal: Annotated[Principal, require(scopes={"complaints:write", "complaints:read"})],
    ) -> Any:
        return dump(principal)

    @app.get("/strong")
    async def strong(principal: Annotated[Principal, require(acr=2)]) -> Any:
        return dump(principal)

    @app.get("/internal")
    async def internal(principal: ServicePrincipal) -> Any:
        return dump(principal)

    return app


@pytest.fixture
async def client(verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app = StateInjector(build_app(), {"token_verifier": verifier})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


class TestRequire:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me")
        body = assert_problem(response, 401)
        assert body["title"] == "Perlu masuk terlebih dahulu"
        assert (
            response.headers["www-authenticate"] == "Bearer"
        )  # no error code without credentials (RFC 6750)

    @pytest.mark.parametrize(
        "authorization", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer", "Bearer  \t "]
    )
    async def test_no_usable_credentials(self, client: httpx.AsyncClient, authorization: str) -> None:
        response = await client.get("/me", headers={"Authorization": authorization})
        assert_problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_bad_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/me", headers=bearer("garbage.token.here"))
        body = assert_problem(response, 401)
        assert body["detail"] == "Token tidak dapat dibaca"
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    async def test_expired_in_english(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get(
            "/me", headers=bearer(test_keys.mint(lifetime=-600)) | {"Accept-Language": "en"}
        )
        body = assert_problem(response, 401)
        assert body["title"] == "Authentication required"
        assert body["detail"] == "Token expired"

    async def test_valid(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        subject = uuid4()
        response = await client.get("/me", headers=bearer(test_keys.mint(subject=subject)))
        assert response.status_code == 200
        assert response.json() == {"subject": str(subject), "acr": 0}

    async def test_case_insensitive_scheme(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get("/me", headers={"Authorization": f"bEaReR {test_keys.mint()}"})
        assert response.status_code == 200

    async def test_optional_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/optional")
        assert response.status_code == 200
        assert response.json() is None

    async def test_optional_with_bad_token_is_401(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/optional", headers=bearer("x.y.z")), 401)

    async def test_optional_with_token(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        subject = uuid4()
        response = await client.get("/optional", headers=bearer(test_keys.mint(subject=subject)))
        assert UUID(response.json()["subject"]) == subject

    async def test_wrong_role(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get("/officers", headers=bearer(test_keys.mint(roles=["citizen"])))
        body = assert_problem(response, 403)
        assert body["title"] == "Akses ditolak"

    async def test_any_of_the_roles(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get("/officers", headers=bearer(test_keys.mint(roles=["supervisor"])))
        assert response.status_code == 200

    async def test_missing_scope(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.post(
            "/complaints", headers=bearer(test_keys.mint(scopes=["complaints:read"]))
        )
        body = assert_problem(response, 403)
        assert "complaints:write" in body["detail"]
        assert (
            response.headers["www-authenticate"]
            == 'Bearer error="insufficient_scope", scope="complaints:write"'
        )

    async def test_all_scopes(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        token = test_keys.mint(scopes=["complaints:read", "complaints:write", "extra"])
        assert (await client.post("/complaints", headers=bearer(token))).status_code == 200

    async def test_insufficient_acr(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get("/strong", headers=bearer(test_keys.mint(acr=1)))
        body = assert_problem(response, 401)
        assert body["title"] == "Tingkat verifikasi identitas belum cukup"
        assert response.headers["www-authenticate"] == (
            'Bearer error="insufficient_user_authentication", acr_values="2"'
        )

    async def test_sufficient_acr(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        response = await client.get("/strong", headers=bearer(test_keys.mint(acr=2)))
        assert response.json()["acr"] == 2

    async def test_service_principal(self, client: httpx.AsyncClient, test_keys: TestKeys) -> None:
        assert_problem(await client.get("/internal", headers=bearer(test_keys.mint(roles=["officer"]))), 403)
        response = await client.get("/internal", headers=bearer(test_keys.mint(roles=["service"])))
        assert response.status_code == 200

    async def test_jwks_down_is_401_problem(self, test_keys: TestKeys) -> None:
        def down(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("identity is down")

        async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as jwks_client:
            app = StateInjector(build_app(), {"token_verifier": test_keys.verifier(jwks_client)})
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                response = await client.get(
                    "/me", headers=bearer(test_keys.mint()) | {"Accept-Language": "en"}
                )
        body = assert_problem(response, 401)
        assert body["detail"] == "Token verification keys are unavailable"
        assert "identity is down" not in response.text


class CountingKeys:
    """A key source that counts how often a signature check needed a key."""

    def __init__(self, inner: TokenVerifier) -> None:
        self.inner = inner.jwks
        self.calls = 0

    async def verification_key(self, kid: str) -> auth.VerificationKey:
        self.calls += 1
        return await self.inner.verification_key(kid)


class TestVerifiedTokenCache:
    async def test_same_token_is_checked_once(
        self, test_keys: TestKeys, verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        decodes = []
        real_decode = auth.jwt.decode
        monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: decodes.append(1) or real_decode(*a, **k))
        keys = CountingKeys(verifier)
        cached = TokenVerifier(keys, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
        token = test_keys.mint(roles=["officer"])
        first, second = await cached.verify(token), await cached.verify(token)
        assert first == second
        assert len(decodes) == 1  # the signature is checked once
        assert keys.calls == 2  # but the key is asked for each time: it may have been withdrawn

    async def test_withdrawn_key_ends_a_cached_token(self, test_keys: TestKeys, clock: Clock) -> None:
        server = JwksServer(test_keys)
        async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
            verifier = server.verifier(client)
            token = test_keys.mint()
            assert await verifier.verify(token)
            server.keys = [TestKeys(kid="replacement")]
            clock.advance(JWKS_MAX_AGE + 1)
            await rejected(verifier, token)
            await rejected(verifier, token)  # and it is gone from the cache

    async def test_expired_token_is_not_served_from_the_cache(
        self, test_keys: TestKeys, verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        cached = TokenVerifier(CountingKeys(verifier), issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
        token = test_keys.mint(lifetime=60)
        assert await cached.verify(token)
        later = time.time() + 60 + auth.LEEWAY_SECONDS + 1
        monkeypatch.setattr(auth, "time", types.SimpleNamespace(time=lambda: later, monotonic=time.monotonic))
        monkeypatch.setattr("jwt.api_jwt.datetime", _FrozenDatetime(later))
        await rejected(cached, token)

    async def test_cache_is_bounded(self, test_keys: TestKeys, verifier: TokenVerifier) -> None:
        cached = TokenVerifier(
            CountingKeys(verifier), issuer=TEST_ISSUER, audience=TEST_AUDIENCE, cache_size=3
        )
        for _ in range(10):
            await cached.verify(test_keys.mint())
        assert len(cached._verified) == 3


class _FrozenDatetime:
    """PyJWT reads `datetime.now(tz=timezone.utc)`; this one answers a fixed moment."""

    def __init__(self, timestamp: float) -> None:
        import datetime as real

        self._real = real.datetime
        self._moment = real.datetime.fromtimestamp(timestamp, real.UTC)

    def now(self, tz: object = None) -> object:
        return self._moment

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)

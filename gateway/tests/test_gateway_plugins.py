"""The development gateway enforces gateway/kong.yml's plugins as Kong does: cors, rate-limiting, request-size-limiting,
response-transformer; Open311's error shape and double slashes; its own /metrics, /openapi.json and /docs; and it
refuses to start on a plugin or a setting it cannot enforce."""

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from defusedxml.ElementTree import fromstring
from gateway_testkit import CLIENT_ADDRESS, GatewayClientFactory, Handshake

from siantar_gateway import kongconf
from siantar_gateway.config import DEFAULT_KONG_CONFIG, GatewaySettings
from siantar_gateway.kongconf import KongConfigError, Plugin
from siantar_gateway.main import Gateway, create_app
from siantar_gateway.openapi import merge
from siantar_gateway.plugins import RateLimiting, build_chains

ORIGIN = "https://siantar.example"  # allowed by the base file
BASE = yaml.safe_load(DEFAULT_KONG_CONFIG.read_text())


def plugin_config(document: dict[str, Any], instance: str) -> dict[str, Any]:
    config: dict[str, Any] = next(
        p for _, p in kongconf.iter_plugins(document) if p.get("instance_name") == instance
    )["config"]
    return config


def kong_file(tmp_path: Path, change: Any = None) -> Path:
    document = copy.deepcopy(BASE)
    if change:
        change(document)
    path = tmp_path / "kong.yml"
    path.write_text(yaml.safe_dump(document))
    return path


class TestCors:
    async def test_preflight_is_answered_by_the_gateway(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/complaints/v1/complaints",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                     "Access-Control-Request-Headers": "content-type"},
        )  # fmt: skip
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert response.headers["access-control-allow-methods"] == "GET,HEAD,POST,PUT,PATCH,DELETE,OPTIONS"
        assert "Idempotency-Key" in response.headers["access-control-allow-headers"]
        assert response.headers["access-control-max-age"] == "3600"
        assert response.headers["vary"] == "Origin"
        assert response.content == b""  # not proxied: the echo upstream would answer JSON

    async def test_preflight_from_another_origin_gets_no_allowance(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/complaints/v1/complaints",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers

    async def test_options_without_a_preflight_is_proxied(self, client: httpx.AsyncClient) -> None:
        response = await client.options("/complaints/v1/complaints", headers={"Origin": ORIGIN})
        assert response.json()["method"] == "OPTIONS"

    async def test_actual_request(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/permits/v1/applications", headers={"Origin": ORIGIN})
        assert response.headers["access-control-allow-origin"] == ORIGIN
        assert "RateLimit-Remaining" in response.headers["access-control-expose-headers"]
        other = await client.get("/permits/v1/applications", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


class TestRateLimiting:
    async def test_login_is_limited_per_ip_with_kongs_headers(self, client: httpx.AsyncClient) -> None:
        for number in range(10):  # base file: 10 a minute on the sign-in routes
            response = await client.post("/identity/v1/oauth/token", data={"grant_type": "password"})
            assert response.status_code == 200, number
        assert response.headers["x-ratelimit-limit-minute"] == "10"
        assert response.headers["x-ratelimit-remaining-minute"] == "0"
        assert response.headers["x-ratelimit-limit-hour"] == "100"
        assert (response.headers["ratelimit-limit"], response.headers["ratelimit-remaining"]) == ("10", "0")
        refused = await client.post("/identity/v1/oauth/token", headers={"Accept-Language": "en"})
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["title"] == "Too many requests"
        reset = int(refused.headers["ratelimit-reset"])
        assert 1 <= reset <= 60
        assert refused.headers["retry-after"] == str(reset)
        assert f"{reset} seconds" in refused.json()["detail"]
        # other routes have their own limit instance
        assert (await client.get("/identity/v1/agencies")).status_code == 200

    def test_counts_per_client_and_window(self) -> None:
        limiter = RateLimiting(Plugin("rate-limiting", "global", {"minute": 2, "hour": 3}), [])
        now = 1_800_000_000.0  # on a minute boundary
        assert [limiter.check("a", now).status for _ in range(3)] == [200, 200, 429]
        assert limiter.check("b", now).status == 200  # another address
        later = limiter.check("a", now + 60)  # next minute, but the hour still counts 2 of 3
        assert later.status == 200
        assert dict(later.headers)[b"ratelimit-remaining"] == b"0"  # the hour: 0 left, the minute: 1
        assert dict(later.headers)[b"ratelimit-limit"] == b"3"
        refused = limiter.check("a", now + 61)
        assert refused.status == 429
        assert refused.retry_after == 3600 - 61  # the hour window ends first-come: its reset

    def test_a_refused_request_is_not_counted(self) -> None:
        limiter = RateLimiting(Plugin("rate-limiting", "global", {"second": 1}), [])
        assert [limiter.check("a", 10.0).status, limiter.check("a", 10.5).status] == [200, 429]
        assert limiter.check("a", 11.0).status == 200

    async def test_open311_gets_its_own_error_shape(
        self, gateway_client: GatewayClientFactory, tmp_path: Path
    ) -> None:
        path = kong_file(
            tmp_path, lambda d: plugin_config(d, "rate-complaints-writes").update(minute=1, hour=1)
        )
        client = await gateway_client(KONG_CONFIG=path)
        assert (await client.post("/open311/v2/requests.json", data={"service_code": "1"})).status_code == 200
        refused = await client.post("/open311/v2/requests.json", headers={"Accept-Language": "en"})
        assert refused.status_code == 400  # Open311 knows 400, 403 and 404; `code` keeps 429
        assert refused.headers["retry-after"]
        [error] = refused.json()
        assert error["code"] == 429
        assert "request limit" in error["description"]
        as_xml = await client.post("/open311/v2/requests.xml")
        assert as_xml.headers["content-type"].startswith("application/xml")
        root = fromstring(as_xml.content)
        assert (root.tag, root.findtext("error/code")) == ("errors", "429")
        assert as_xml.headers["retry-after"]


class TestRequestSize:
    async def test_too_large_by_content_length(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/complaints/v1/complaints", content=b"x" * (1024 * 1024 + 1))
        assert response.status_code == 413
        assert response.json()["status"] == 413
        assert "1048576" in response.json()["detail"]
        exactly = await client.post("/complaints/v1/complaints", content=b"x" * 1024 * 1024)
        assert exactly.json()["body_size"] == 1024 * 1024

    async def test_photos_may_be_larger(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/complaints/v1/complaints/9/photos", content=b"x" * 3_000_000)
        assert response.json()["body_size"] == 3_000_000
        too_big = await client.post(
            "/complaints/v1/complaints/9/photos", content=b"x" * (10 * 1024 * 1024 + 1)
        )
        assert too_big.status_code == 413

    async def test_expect_continue_is_a_417(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/permits/v1/applications", content=b"x" * 2_000_000,
                                     headers={"Expect": "100-continue"})  # fmt: skip
        assert response.status_code == 417

    async def test_a_body_without_length_is_cut_off_at_the_limit(self, client: httpx.AsyncClient) -> None:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"y" * 64 * 1024  # 2.5 MB in all

        response = await client.post("/open311/v2/requests.json", content=chunks())
        assert response.status_code == 400
        assert response.json()[0]["code"] == 413


class TestOpen311:
    async def test_double_slashes_are_merged(self, client: httpx.AsyncClient) -> None:
        echo = (await client.get("/open311/v2//services.json")).json()
        assert echo["path"] == "/open311/v2/services.json"
        elsewhere = (await client.get("/complaints/v1//complaints")).json()
        assert elsewhere["path"] == "/complaints/v1//complaints"

    @pytest.mark.parametrize(("path", "xml"), [("/open311/v2/services.xml", True), ("/open311/v2/services", False),
                                               ("/open311/v2/requests.json", False)])  # fmt: skip
    async def test_upstream_down(self, gateway_client: GatewayClientFactory, dead_url: str, path: str,
                                 xml: bool) -> None:  # fmt: skip
        client = await gateway_client(upstream={"svc-complaints": dead_url})
        response = await client.get(path)
        assert response.status_code == 400
        if xml:
            assert fromstring(response.content).findtext("error/code") == "502"
        else:
            assert response.json()[0]["code"] == 502
        assert (await client.get("/complaints/v1/x")).headers["content-type"] == "application/problem+json"


class TestResponseHeaders:
    async def test_security_headers_are_added(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/complaints/v1/complaints")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert "strict-transport-security" not in response.headers  # prod only

    async def test_on_the_gateways_own_errors_too(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/nowhere")
        assert response.status_code == 404
        assert response.headers["x-frame-options"] == "DENY"

    async def test_the_upstreams_own_value_wins(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/permits/v1/framed")).headers["x-frame-options"] == "SAMEORIGIN"

    async def test_docs_routes_allow_swagger_ui(self, client: httpx.AsyncClient) -> None:
        csp = (await client.get("/permits/v1/docs")).headers["content-security-policy"]
        assert "script-src 'self' 'unsafe-inline'" in csp

    async def test_prod_adds_hsts(self, gateway_client: GatewayClientFactory) -> None:
        client = await gateway_client(
            KONG_CONFIG=DEFAULT_KONG_CONFIG.parents[1] / "deploy/kong/kong.prod.yml"
        )
        hsts = (await client.get("/identity/v1/agencies")).headers["strict-transport-security"]
        assert hsts == "max-age=31536000; includeSubDomains"


class TestRefusal:
    def test_an_unknown_plugin_stops_the_gateway(self, tmp_path: Path) -> None:
        path = kong_file(
            tmp_path, lambda d: d["plugins"].append({"name": "key-auth", "instance_name": "keys"})
        )
        with pytest.raises(
            KongConfigError, match=r"plugin key-auth \(keys, global\) is unknown to the development"
        ):
            create_app(GatewaySettings(KONG_CONFIG=path))

    @pytest.mark.parametrize(
        ("instance", "change", "expected"),
        [
            ("rate-login", {"policy": "redis"}, "'policy' is 'redis'"),
            ("rate-login", {"limit_by": "header"}, "'limit_by' is 'header'"),
            ("rate-login", {"minute": 1000}, "longer period's limit"),
            ("request-id", {"generator": "uuid#counter"}, "'generator' is 'uuid#counter'"),
            ("cors", {"origin": ["*"]}, "config field 'origin' is unknown"),
            ("security-headers", {"remove": {"headers": ["Server"]}}, "'remove' is not enforced"),
            ("body-default", {"size_unit": "gigabytes"}, "'size_unit' is 'gigabytes'"),
        ],
    )
    def test_settings_it_cannot_enforce(self, tmp_path: Path, instance: str, change: dict[str, Any],
                                        expected: str) -> None:  # fmt: skip
        path = kong_file(tmp_path, lambda d: plugin_config(d, instance).update(change))
        with pytest.raises(KongConfigError, match=expected):
            create_app(GatewaySettings(KONG_CONFIG=path))

    def test_prometheus_is_left_to_kong(self) -> None:
        chains = build_chains(kongconf.parse(BASE))
        assert [plugin.name for plugin in chains.left_to_kong] == ["prometheus"]

    def test_main_exits_with_the_problems(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from siantar_gateway.main import main

        path = kong_file(
            tmp_path, lambda d: d["plugins"].append({"name": "jwt", "instance_name": "edge-jwt"})
        )
        monkeypatch.setenv("GATEWAY_KONG_CONFIG", str(path))
        with pytest.raises(SystemExit, match="plugin jwt"):
            main()


class TestOwnEndpoints:
    async def test_metrics(self, client: httpx.AsyncClient) -> None:
        await client.get("/complaints/v1/complaints")
        text = (await client.get("/metrics")).text
        assert 'http_requests_total{method="GET",route="complaints",status="200"} 1.0' in text

    async def test_combined_openapi(self, client: httpx.AsyncClient) -> None:
        document = (await client.get("/openapi.json")).json()
        assert set(document["paths"]) == {
            "/identity/v1/things",
            "/complaints/v1/things",
            "/permits/v1/things",
        }
        schemas = document["components"]["schemas"]
        assert set(schemas) == {"Problem", "Page", "complaints_Problem", "permits_Problem"}
        ref = document["paths"]["/permits/v1/things"]["get"]["responses"]["400"]["content"]
        assert ref["application/problem+json"]["schema"]["$ref"] == "#/components/schemas/permits_Problem"
        assert "x-siantar-unavailable" not in document

    async def test_openapi_is_cached(self, client: httpx.AsyncClient, handshake: Handshake) -> None:
        before = handshake.openapi_fetches
        await client.get("/openapi.json")
        await client.get("/openapi.json")
        assert handshake.openapi_fetches - before == 3  # once per service, for both requests

    async def test_openapi_names_a_service_that_is_down(self, gateway_client: GatewayClientFactory,
                                                        dead_url: str) -> None:  # fmt: skip
        client = await gateway_client(upstream={"svc-permits": dead_url})
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["x-siantar-unavailable"] == [{"service": "svc-permits", "detail": "unreachable"}]
        assert "svc-permits: UNAVAILABLE" in document["info"]["description"]
        assert "/identity/v1/things" in document["paths"]

    async def test_docs_page_and_its_assets(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/docs")
        assert page.status_code == 200
        assert "script-src 'self';" in page.headers["content-security-policy"]
        assert "<script>" not in page.text  # no inline script: the CSP would block it
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "init.js", "favicon.png"):
            response = await client.get(f"/docs-assets/{asset}")
            assert response.status_code == 200, asset
        assert b"/openapi.json" in (await client.get("/docs-assets/init.js")).content
        assert (await client.get("/docs-assets/../kong.yml")).status_code == 404

    def test_merge_renames_security_schemes_in_requirements(self) -> None:
        one = {
            "paths": {"/a": {"get": {"security": [{"bearer": []}]}}},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        }
        two = {"paths": {"/b": {"get": {"security": [{"bearer": []}]}}},
               "components": {"securitySchemes": {"bearer": {"type": "oauth2", "flows": {}}}}}  # fmt: skip
        merged = merge([("svc-one", one), ("svc-two", two)], [])
        assert merged["paths"]["/b"]["get"]["security"] == [{"two_bearer": []}]
        assert set(merged["components"]["securitySchemes"]) == {"bearer", "two_bearer"}
        assert json.dumps(one).count("two_") == 0  # inputs untouched


async def test_request_id_follows_the_plugins_header(
    gateway_client: GatewayClientFactory, tmp_path: Path
) -> None:
    path = kong_file(
        tmp_path, lambda d: plugin_config(d, "request-id").update(header_name="X-Correlation-ID")
    )
    client = await gateway_client(KONG_CONFIG=path)
    response = await client.get("/complaints/v1/x", headers={"X-Correlation-ID": "abc-123"})
    assert response.headers["x-correlation-id"] == "abc-123"
    assert ["x-correlation-id", "abc-123"] in response.json()["headers"]


def test_gateway_is_an_asgi_app() -> None:
    assert isinstance(create_app(GatewaySettings()), Gateway)
    assert CLIENT_ADDRESS[0] == "203.0.113.7"


def test_generated_request_ids_are_uuid4() -> None:
    import uuid

    from siantar_gateway.main import _uuid4

    ids = {_uuid4() for _ in range(200)}
    assert len(ids) == 200
    for text in ids:
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, text)

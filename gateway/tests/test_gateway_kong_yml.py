"""gateway/kong.yml against the vendored deck JSON schema, Kong's own rules the schema misses
(`kongconf.lint`), and our policy; the shared fixtures prove each layer can fail."""

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from siantar_gateway import kongconf
from siantar_gateway.config import DEFAULT_KONG_CONFIG

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schemas" / "kong-declarative.schema.json").read_text())
SERVICES = {
    "svc-identity": ("http://svc-identity:8000", {"/identity"}),
    "svc-complaints": ("http://svc-complaints:8000", {"/complaints", "/open311"}),
    "svc-permits": ("http://svc-permits:8000", {"/permits"}),
}
CORRELATION_ID = {"header_name": "X-Request-ID", "generator": "uuid", "echo_downstream": True}


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA)
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)
    )


def policy_problems(document: Any) -> list[str]:
    """Siantar's rules: services own their full prefix (strip_path false, plain prefixes) and X-Request-ID."""
    problems = []
    for _, route in kongconf.iter_routes(document):
        if route.get("strip_path") is not False:
            problems.append(f"route {route.get('name')!r}: strip_path must be false (Kong's default is true)")
        problems += [f"route {route.get('name')!r}: {path!r} is not a plain prefix" for path in route.get("paths", [])
                     if not str(path).startswith("/")]  # fmt: skip
    plugins = {plugin["name"]: plugin.get("config") for plugin in document.get("plugins", [])}
    if "correlation-id" in plugins and plugins["correlation-id"] != CORRELATION_ID:
        problems.append("correlation-id must be configured as domain.md 5.4 says")
    return problems


@pytest.fixture(scope="module")
def kong_yml() -> Any:
    return read(DEFAULT_KONG_CONFIG)


class TestSchema:
    def test_kong_yml_is_valid(self, kong_yml: Any) -> None:
        assert schema_errors(kong_yml) == []

    def test_valid_fixture_is_valid(self) -> None:
        assert schema_errors(read(HERE / "schemas" / "kong.valid.yml")) == []

    def test_invalid_fixture_is_caught(self) -> None:
        errors = "\n".join(schema_errors(read(HERE / "schemas" / "kong.invalid.yml")))
        assert "'8000' is not of type 'integer'" in errors
        assert "strip_paths" in errors
        assert errors.count("is not valid under any of the given schemas") >= 2  # name/id, username/custom_id

    def test_schema_misses_what_lint_catches(self, kong_yml: Any) -> None:
        document = copy.deepcopy(kong_yml)
        del document["_format_version"]
        document["services"][0]["routes"][0]["paths"] = ["identity", "/identity//x"]
        assert schema_errors(document) == []
        assert len(kongconf.lint(document)) == 3


def mutate(document: Any, change: str) -> Any:
    document = copy.deepcopy(document)
    route = document["services"][0]["routes"][0]
    if change == "no-format-version":
        del document["_format_version"]
    elif change == "old-format-version":
        document["_format_version"] = "2.1"
    elif change == "relative-path":
        route["paths"] = ["identity"]
    elif change == "double-slash":
        route["paths"] = ["/identity//v1"]
    elif change == "duplicate-route-name":
        document["services"][1]["routes"][0]["name"] = route["name"]
    elif change == "duplicate-service-name":
        document["services"][1]["name"] = document["services"][0]["name"]
    elif change == "bad-method":
        route["methods"] = ["GET", "FETCH"]
    return document


class TestLint:
    def test_kong_yml_passes(self, kong_yml: Any) -> None:
        assert kongconf.lint(kong_yml) == []

    def test_valid_fixture_passes(self) -> None:
        assert kongconf.lint(read(HERE / "schemas" / "kong.valid.yml")) == []

    def test_invalid_fixture_fails(self) -> None:
        assert kongconf.lint(read(HERE / "schemas" / "kong.invalid.yml")) == [
            "route 'complaints-api': 'FETCH' is not an HTTP method"
        ]

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ("no-format-version", "_format_version is missing"),
            ("old-format-version", "_format_version is '2.1', expected '3.0'"),
            ("relative-path", "path 'identity' must start with '/'"),
            ("double-slash", "contains '//'"),
            ("duplicate-route-name", "route name 'identity' is used more than once"),
            ("duplicate-service-name", "service name 'svc-identity' is used more than once"),
            ("bad-method", "'FETCH' is not an HTTP method"),
        ],
    )
    def test_catches(self, kong_yml: Any, change: str, expected: str) -> None:
        problems = kongconf.lint(mutate(kong_yml, change))
        assert len(problems) == 1
        assert expected in problems[0]


class TestPolicy:
    def test_kong_yml_follows_it(self, kong_yml: Any) -> None:
        assert policy_problems(kong_yml) == []

    def test_valid_fixture_breaks_it(self) -> None:
        problems = policy_problems(read(HERE / "schemas" / "kong.valid.yml"))
        assert "route 'complaints-api': strip_path must be false (Kong's default is true)" in problems
        assert "route 'permits-api': '~/api/v1/permits/[0-9]+$' is not a plain prefix" in problems

    def test_a_missing_strip_path_breaks_it(self) -> None:
        # the invalid fixture's typo `strip_paths` leaves Kong's default, true
        problems = policy_problems(read(HERE / "schemas" / "kong.invalid.yml"))
        assert "route 'complaints-api': strip_path must be false (Kong's default is true)" in problems

    def test_correlation_id(self, kong_yml: Any) -> None:
        document = copy.deepcopy(kong_yml)
        document["plugins"][0]["config"]["generator"] = "uuid#counter"
        assert policy_problems(document) == ["correlation-id must be configured as domain.md 5.4 says"]


class TestContent:
    def test_services_and_routes(self, kong_yml: Any) -> None:
        config = kongconf.parse(kong_yml)
        for name, (url, prefixes) in SERVICES.items():
            service = config.service(name)
            assert service.url == url
            assert {
                path for route in config.routes if route.service is service for path in route.paths
            } == prefixes
        assert {service.name for service in config.services} == set(SERVICES)

    def test_timeouts_are_explicit(self, kong_yml: Any) -> None:
        for service in kong_yml["services"]:
            assert {"connect_timeout", "read_timeout", "write_timeout"} <= service.keys()

    def test_plugins(self, kong_yml: Any) -> None:
        assert [(p.name, p.scope) for p in kongconf.parse(kong_yml).plugins] == [("correlation-id", "global")]

    def test_oidc_discovery_reaches_identity(self, kong_yml: Any) -> None:
        config = kongconf.parse(kong_yml)
        for path in ("/identity/v1/.well-known/openid-configuration", "/identity/v1/.well-known/jwks.json"):
            match = config.match("GET", path)
            assert match is not None
            assert (match.service.name, match.upstream_path(path)) == ("svc-identity", path)

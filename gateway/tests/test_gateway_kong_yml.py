"""gateway/kong.yml and every rendered environment (deploy/kong/kong.<env>.yml) against three layers:

1. the vendored deck JSON schema (structure, field names and types of entities);
2. what that schema misses, checked here: plugin names and their `config` fields and types (the table below,
   from domain.md 5.3 = `kong/plugins/<name>/schema.lua` @ 3.9.3), enums, `_format_version`, paths, methods,
   references between entities, unique names (`kongconf.lint` plus `plugin_problems`);
3. Siantar's policy (services own their prefix, correlation id as domain.md 5.4 says, limits and body sizes).

Each layer is shown to fail on a broken copy, so none of these tests can pass vacuously.
"""

import copy
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from siantar_gateway import kongconf, render
from siantar_gateway.config import DEFAULT_KONG_CONFIG

HERE = Path(__file__).parent
SCHEMA = json.loads((HERE / "schemas" / "kong-declarative.schema.json").read_text())
SERVICES = {
    "svc-identity": ("http://svc-identity:8000", {"/identity"}),
    "svc-complaints": ("http://svc-complaints:8000", {"/complaints", "/open311"}),
    "svc-permits": ("http://svc-permits:8000", {"/permits"}),
}
CORRELATION_ID = {"header_name": "X-Request-ID", "generator": "uuid", "echo_downstream": True}
FILES = {"base": DEFAULT_KONG_CONFIG, **{env: render.rendered_path(env) for env in render.ENVIRONMENTS}}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")

# --- the plugin table (domain.md 5.3): field -> type, or a tuple of the allowed values ------------------
Check = Callable[[Any], bool]
BOOL: Check = lambda v: isinstance(v, bool)
INT: Check = lambda v: isinstance(v, int) and not isinstance(v, bool)
NUMBER: Check = lambda v: isinstance(v, int | float) and not isinstance(v, bool)
STR: Check = lambda v: isinstance(v, str)
STRS: Check = lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)
MAP: Check = lambda v: isinstance(v, dict)


def one_of(*allowed: Any) -> Check:
    check: Check = lambda v: v in allowed
    check.__doc__ = f"one of {allowed}"
    return check


def list_of(*allowed: Any) -> Check:
    check: Check = lambda v: isinstance(v, list) and all(i in allowed for i in v)
    check.__doc__ = f"a list of {allowed}"
    return check


TRANSFORM: Check = lambda v: (
    isinstance(v, dict) and set(v) <= {"headers", "json", "json_types", "body", "querystring", "uri"}
)
PERIODS = ("second", "minute", "hour", "day", "month", "year")
PLUGIN_FIELDS: dict[str, dict[str, Check]] = {
    "correlation-id": {"header_name": STR, "generator": one_of("uuid", "uuid#counter", "tracker"),
                       "echo_downstream": BOOL},
    "cors": {"origins": STRS, "headers": STRS, "exposed_headers": STRS, "methods": list_of(*METHODS),
             "max_age": NUMBER, "credentials": BOOL, "private_network": BOOL, "preflight_continue": BOOL},
    "rate-limiting": {**dict.fromkeys(PERIODS, NUMBER),
                      "limit_by": one_of("consumer", "credential", "ip", "service", "header", "path"),
                      "header_name": STR, "path": STR, "policy": one_of("local", "redis"),  # DB-less: no cluster
                      "fault_tolerant": BOOL, "redis": MAP, "hide_client_headers": BOOL, "error_code": NUMBER,
                      "error_message": STR, "sync_rate": NUMBER},
    "request-size-limiting": {"allowed_payload_size": INT, "size_unit": one_of("megabytes", "kilobytes", "bytes"),
                              "require_content_length": BOOL},
    "prometheus": dict.fromkeys(("per_consumer", "status_code_metrics", "latency_metrics", "bandwidth_metrics",
                                 "upstream_health_metrics", "ai_metrics"), BOOL),
    "response-transformer": dict.fromkeys(("remove", "rename", "replace", "add", "append"), TRANSFORM),
    "key-auth": {"key_names": STRS, "hide_credentials": BOOL, "anonymous": STR, "key_in_header": BOOL,
                 "key_in_query": BOOL, "key_in_body": BOOL, "run_on_preflight": BOOL, "realm": STR},
    "jwt": {"uri_param_names": STRS, "cookie_names": STRS, "key_claim_name": STR, "secret_is_base64": BOOL,
            "claims_to_verify": list_of("exp", "nbf"), "anonymous": STR, "run_on_preflight": BOOL,
            "maximum_expiration": NUMBER, "header_names": STRS, "realm": STR},
    "acl": {"allow": STRS, "deny": STRS, "hide_groups_header": BOOL, "always_use_authenticated_groups": BOOL},
    "ip-restriction": {"allow": STRS, "deny": STRS, "status": NUMBER, "message": STR},
    "bot-detection": {"allow": STRS, "deny": STRS},
}  # fmt: skip
ENTERPRISE_PLUGIN_KEYS = ("ordering", "consumer_group", "condition", "partials", "run_on")


def plugin_problems(document: Any) -> list[str]:
    """What neither the deck schema nor Kong's own loader-level lint sees until Kong starts: plugin configs."""
    problems = [f"top-level {key!r} is Enterprise-only" for key in ("consumer_groups",) if key in document]
    for scope, plugin in kongconf.iter_plugins(document):
        name, where = plugin.get("name"), f"plugin {plugin.get('name')!r} ({scope})"
        fields = PLUGIN_FIELDS.get(name)
        if fields is None:
            problems.append(f"{where}: unknown plugin name")
            continue
        problems += [
            f"{where}: {key!r} is Enterprise/Konnect only" for key in ENTERPRISE_PLUGIN_KEYS if key in plugin
        ]
        config = plugin.get("config") or {}
        for key, value in config.items():
            if key not in fields:
                problems.append(f"{where}: unknown config field {key!r}")
            elif value is not None and not fields[key](value):
                problems.append(
                    f"{where}: {key!r} = {value!r} is not {fields[key].__doc__ or 'the right type'}"
                )
        problems += [f"{where}: {p}" for p in _plugin_rules(name, config)]
    return problems


def _plugin_rules(name: str, config: dict[str, Any]) -> Iterator[str]:
    if name == "rate-limiting":
        limits = [config[p] for p in PERIODS if NUMBER(config.get(p))]
        if not limits:
            yield "needs at least one limit"
        if any(a > b for a, b in itertools.pairwise(limits)):
            yield "a longer period's limit is below a shorter one's"
        if config.get("policy") == "redis" and not (config.get("redis") or {}).get("host"):
            yield "policy redis needs redis.host"
    if name == "acl" and bool(config.get("allow")) == bool(config.get("deny")):
        yield "needs exactly one of allow/deny"
    if name == "ip-restriction" and not (config.get("allow") or config.get("deny")):
        yield "needs allow or deny"
    if name == "response-transformer":
        for operation in ("add", "append", "replace"):
            for header in (config.get(operation) or {}).get("headers") or []:
                if ":" not in header or not header.split(":", 1)[0].strip():
                    yield f"{operation}.headers entry {header!r} is not 'Name:value'"


def schema_errors(document: Any) -> list[str]:
    validator = jsonschema.Draft4Validator(SCHEMA)
    return sorted(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)
    )


def policy_problems(document: Any) -> list[str]:
    """Siantar's rules: services own their full prefix (strip_path false; regex paths only on the upload routes,
    with methods), X-Request-ID as domain.md 5.4 says, every plugin instance named."""
    problems = []
    for _, route in kongconf.iter_routes(document):
        name = route.get("name")
        if route.get("strip_path") is not False:
            problems.append(f"route {name!r}: strip_path must be false (Kong's default is true)")
        for path in route.get("paths", []):
            if str(path).startswith("~") and not route.get("methods"):
                problems.append(f"route {name!r}: {path!r} is a regex on a route without methods")
            elif not str(path).startswith(("/", "~/")):
                problems.append(f"route {name!r}: {path!r} is not a plain prefix")
    for scope, plugin in kongconf.iter_plugins(document):
        if not plugin.get("instance_name"):
            problems.append(f"plugin {plugin.get('name')!r} ({scope}) has no instance_name")
        if plugin.get("name") == "correlation-id" and plugin.get("config") != CORRELATION_ID:
            problems.append("correlation-id must be configured as domain.md 5.4 says")
    return problems


def read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kong_yml() -> Any:
    return read(DEFAULT_KONG_CONFIG)


def plugins_by_instance(document: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    return {p["instance_name"]: (scope, p) for scope, p in kongconf.iter_plugins(document)}


@pytest.mark.parametrize("name", list(FILES))
class TestEveryFile:
    def test_schema(self, name: str) -> None:
        assert schema_errors(read(FILES[name])) == []

    def test_kong_rules(self, name: str) -> None:
        document = read(FILES[name])
        assert kongconf.lint(document) == []
        assert kongconf.unsupported(document) == []

    def test_plugin_configs(self, name: str) -> None:
        assert plugin_problems(read(FILES[name])) == []

    def test_policy(self, name: str) -> None:
        assert policy_problems(read(FILES[name])) == []


class TestSchema:
    def test_valid_fixture_is_valid(self) -> None:
        assert schema_errors(read(HERE / "schemas" / "kong.valid.yml")) == []

    def test_invalid_fixture_is_caught(self) -> None:
        errors = "\n".join(schema_errors(read(HERE / "schemas" / "kong.invalid.yml")))
        assert "'8000' is not of type 'integer'" in errors
        assert "strip_paths" in errors
        assert errors.count("is not valid under any of the given schemas") >= 2  # name/id, username/custom_id

    def test_schema_misses_what_our_checks_catch(self, kong_yml: Any) -> None:
        document = copy.deepcopy(kong_yml)
        del document["_format_version"]
        document["services"][0]["routes"][0]["paths"] = ["identity", "/identity//x"]
        document["plugins"][1]["config"]["origin"] = [
            "*"
        ]  # typo of origins: a free-form object to the schema
        document["plugins"][2]["config"]["policy"] = "cluster"
        assert schema_errors(document) == []
        assert len(kongconf.lint(document)) == 3
        assert len(plugin_problems(document)) == 2


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
    elif change == "dangling-route-reference":
        document["plugins"].append({"name": "cors", "route": "no-such-route"})
    elif change == "duplicate-instance-name":
        document["plugins"][1]["instance_name"] = document["plugins"][0]["instance_name"]
    elif change == "two-instances-on-one-scope":
        document["plugins"].append({"name": "cors", "instance_name": "cors-again"})
    return document


class TestKongRules:
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
            ("dangling-route-reference", "names route 'no-such-route', which does not exist"),
            ("duplicate-instance-name", "plugin instance name 'request-id' is used more than once"),
            ("two-instances-on-one-scope", "plugin 'cors' is configured twice on global"),
        ],
    )
    def test_catches(self, kong_yml: Any, change: str, expected: str) -> None:
        problems = kongconf.lint(mutate(kong_yml, change))
        assert len(problems) == 1, problems
        assert expected in problems[0]


class TestPluginTable:
    @pytest.mark.parametrize(
        ("instance", "config", "expected"),
        [
            (
                "rate-anonymous",
                {"policy": "cluster"},
                "'policy' = 'cluster' is not one of ('local', 'redis')",
            ),
            ("rate-anonymous", {"minute": "300"}, "'minute' = '300' is not"),
            ("rate-anonymous", {"minute": 7000}, "a longer period's limit is below a shorter one's"),
            ("rate-anonymous", {"policy": "redis"}, "policy redis needs redis.host"),
            ("rate-anonymous", {"limit_by": "consumer-group"}, "'limit_by' = 'consumer-group'"),
            ("cors", {"origin": ["*"]}, "unknown config field 'origin'"),
            ("cors", {"allow_origin_absent": True}, "unknown config field 'allow_origin_absent'"),
            ("cors", {"methods": ["GET", "FETCH"]}, "'methods' = ['GET', 'FETCH']"),
            ("request-id", {"generator": "uuid4"}, "'generator' = 'uuid4'"),
            ("body-default", {"allowed_payload_size": "1"}, "'allowed_payload_size' = '1'"),
            ("body-default", {"size_unit": "gigabytes"}, "'size_unit' = 'gigabytes'"),
            ("metrics", {"per_route": True}, "unknown config field 'per_route'"),
            ("security-headers", {"add": {"headers": ["X-Frame-Options DENY"]}}, "is not 'Name:value'"),
            ("security-headers", {"add": {"header": ["a:b"]}}, "'add' = "),
        ],
    )
    def test_catches(self, kong_yml: Any, instance: str, config: dict[str, Any], expected: str) -> None:
        document = copy.deepcopy(kong_yml)
        plugins_by_instance(document)[instance][1]["config"].update(config)
        problems = plugin_problems(document)
        assert len(problems) == 1, problems
        assert expected in problems[0]

    def test_unknown_and_enterprise(self, kong_yml: Any) -> None:
        document = copy.deepcopy(kong_yml)
        document["plugins"].append({"name": "rate-limiting-advanced", "instance_name": "x"})
        document["plugins"][0]["ordering"] = {"before": {"access": ["cors"]}}
        document["consumer_groups"] = [{"name": "gold"}]
        assert sorted(plugin_problems(document)) == [
            "plugin 'correlation-id' (global): 'ordering' is Enterprise/Konnect only",
            "plugin 'rate-limiting-advanced' (global): unknown plugin name",
            "top-level 'consumer_groups' is Enterprise-only",
        ]

    def test_every_plugin_we_use_is_in_the_table_and_known_to_the_gateway(self, kong_yml: Any) -> None:
        from siantar_gateway.plugins import KNOWN

        used = {plugin["name"] for _, plugin in kongconf.iter_plugins(kong_yml)}
        assert used == set(KNOWN)
        assert used <= set(PLUGIN_FIELDS)


class TestPolicy:
    def test_valid_fixture_breaks_it(self) -> None:
        problems = policy_problems(read(HERE / "schemas" / "kong.valid.yml"))
        assert "route 'complaints-api': strip_path must be false (Kong's default is true)" in problems
        assert "plugin 'prometheus' (global) has no instance_name" in problems

    def test_a_regex_route_needs_methods(self, kong_yml: Any) -> None:
        document = copy.deepcopy(kong_yml)
        del document["services"][1]["routes"][3]["methods"]  # complaint-photos
        assert policy_problems(document) == [
            "route 'complaint-photos': '~/complaints/v1/complaints/[^/]+/photos' is a regex on a route without methods"
        ]

    def test_a_missing_strip_path_breaks_it(self) -> None:
        # the invalid fixture's typo `strip_paths` leaves Kong's default, true
        problems = policy_problems(read(HERE / "schemas" / "kong.invalid.yml"))
        assert "route 'complaints-api': strip_path must be false (Kong's default is true)" in problems

    def test_correlation_id(self, kong_yml: Any) -> None:
        document = copy.deepcopy(kong_yml)
        document["plugins"][0]["config"]["generator"] = "uuid#counter"
        assert policy_problems(document) == ["correlation-id must be configured as domain.md 5.4 says"]


def limits(document: Any, instance: str) -> dict[str, Any]:
    config: dict[str, Any] = plugins_by_instance(document)[instance][1]["config"]
    return config


class TestContent:
    def test_services_and_routes(self, kong_yml: Any) -> None:
        config = kongconf.parse(kong_yml)
        for name, (url, prefixes) in SERVICES.items():
            service = config.service(name)
            assert service.url == url
            plain = {p for r in config.routes if r.service is service and r.methods is None for p in r.paths}
            assert plain - {"/identity/v1/docs", "/complaints/v1/docs", "/permits/v1/docs"} == prefixes
        assert {service.name for service in config.services} == set(SERVICES)

    def test_timeouts_are_explicit(self, kong_yml: Any) -> None:
        for service in kong_yml["services"]:
            assert {"connect_timeout", "read_timeout", "write_timeout"} <= service.keys()

    def test_global_plugins(self, kong_yml: Any) -> None:
        assert [
            (p.name, p.instance_name) for p in kongconf.parse(kong_yml).plugins if p.scope == "global"
        ] == [
            ("correlation-id", "request-id"),
            ("cors", "cors"),
            ("rate-limiting", "rate-anonymous"),
            ("request-size-limiting", "body-default"),
            ("prometheus", "metrics"),
            ("response-transformer", "security-headers"),
        ]

    def test_oidc_discovery_reaches_identity(self, kong_yml: Any) -> None:
        config = kongconf.parse(kong_yml)
        for path in ("/identity/.well-known/openid-configuration", "/identity/.well-known/jwks.json"):
            match = config.match("GET", path)
            assert match is not None
            assert (match.service.name, match.upstream_path(path)) == ("svc-identity", path)

    @pytest.mark.parametrize(
        ("method", "path", "rate", "body"),
        [
            ("POST", "/identity/v1/oauth/token", "rate-login", "body-default"),
            ("POST", "/identity/v1/oauth/authorize", "rate-login", "body-default"),
            ("POST", "/identity/v1/accounts", "rate-registration", "body-default"),
            ("POST", "/identity/v1/accounts/password-reset", "rate-registration", "body-default"),
            ("GET", "/identity/v1/oauth/authorize", "rate-anonymous", "body-default"),
            ("PATCH", "/identity/v1/me", "rate-identity-writes", "body-default"),
            ("GET", "/complaints/v1/complaints", "rate-anonymous", "body-default"),
            ("POST", "/complaints/v1/complaints", "rate-complaints-writes", "body-default"),
            ("POST", "/open311/v2/requests.json", "rate-complaints-writes", "body-default"),
            ("POST", "/complaints/v1/complaints/01HX/photos", "rate-complaint-photos", "body-photos"),
            ("GET", "/complaints/v1/complaints/01HX/photos", "rate-anonymous", "body-default"),
            ("POST", "/permits/v1/applications/7/documents", "rate-permit-documents", "body-documents"),
            ("POST", "/permits/v1/applications", "rate-permits-writes", "body-default"),
        ],
    )
    def test_which_limits_a_request_gets(
        self, kong_yml: Any, method: str, path: str, rate: str, body: str
    ) -> None:
        config = kongconf.parse(kong_yml)
        match = config.match(method, path)
        assert match is not None
        plugins = config.plugins_of(match.route)
        assert (plugins["rate-limiting"].instance_name, plugins["request-size-limiting"].instance_name) == (
            rate,
            body,
        )

    def test_login_registration_and_writes_are_stricter(self, kong_yml: Any) -> None:
        for env in ("base", "dev", "prod"):
            document = read(FILES[env])
            anonymous = limits(document, "rate-anonymous")["minute"]
            assert limits(document, "rate-registration")["minute"] <= limits(document, "rate-login")["minute"]
            assert (
                limits(document, "rate-login")["minute"]
                < limits(document, "rate-complaints-writes")["minute"]
            )
            assert limits(document, "rate-complaints-writes")["minute"] < anonymous

    def test_test_profile_never_throttles_the_end_to_end_suite(self) -> None:
        document = read(FILES["test"])
        for instance, (_, plugin) in plugins_by_instance(document).items():
            if plugin["name"] == "rate-limiting":
                assert plugin["config"]["minute"] >= 10_000, instance

    def test_uploads_alone_take_big_bodies(self, kong_yml: Any) -> None:
        sizes = {i: p["config"]["allowed_payload_size"] for i, (_, p) in plugins_by_instance(kong_yml).items()
                 if p["name"] == "request-size-limiting"}  # fmt: skip
        assert sizes == {"body-default": 1, "body-photos": 10, "body-documents": 20}

    def test_security_headers_and_hsts_in_prod_only(self) -> None:
        for env in ("base", *render.ENVIRONMENTS):
            for instance, (_, plugin) in plugins_by_instance(read(FILES[env])).items():
                if plugin["name"] != "response-transformer":
                    continue
                names = [header.split(":", 1)[0] for header in plugin["config"]["add"]["headers"]]
                expected = {
                    "X-Content-Type-Options",
                    "Referrer-Policy",
                    "X-Frame-Options",
                    "Content-Security-Policy",
                }
                assert set(names) - {"Strict-Transport-Security"} == expected, instance
                assert ("Strict-Transport-Security" in names) == (env == "prod"), (env, instance)

    def test_cors_origins_per_environment(self) -> None:
        origins = {env: limits(read(FILES[env]), "cors")["origins"] for env in render.ENVIRONMENTS}
        assert all(origin.startswith("https://") for origin in origins["prod"])
        assert all(origin.startswith("http://") for origin in origins["dev"] + origins["test"])
        assert all("*" not in values for values in origins.values())


class TestErrorTemplates:
    """deploy/kong/kong.conf points Kong's own errors at our templates; each renders to a valid document."""

    KONG = DEFAULT_KONG_CONFIG.parents[1] / "deploy" / "kong"

    def conf(self) -> dict[str, str]:
        pairs = [line.split("=", 1) for line in (self.KONG / "kong.conf").read_text().splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip
        return {key.strip(): value.strip() for key, value in pairs}

    def test_kong_conf_names_the_templates(self) -> None:
        conf = self.conf()
        assert conf["error_default_type"] == "application/json"
        assert conf["database"] == "off"
        for kind in ("json", "xml", "html", "plain"):
            target = conf[f"error_template_{kind}"]
            assert target.startswith("/etc/kong/errors/")
            assert (self.KONG / "errors" / Path(target).name).is_file()

    @pytest.mark.parametrize("name", ["error.json", "error.xml", "error.html", "error.txt"])
    def test_two_placeholders_and_no_stray_percent(self, name: str) -> None:
        text = (self.KONG / "errors" / name).read_text()
        assert text.count("%s") == 2
        assert text.replace("%s", "").count("%") == 0

    def test_json_is_a_problem(self) -> None:
        text = (self.KONG / "errors" / "error.json").read_text()
        body = json.loads(text % ("API rate limit exceeded", "6d5f0d1e-6a8f-4b7e-9a49-0f3f2b1c0d9e"))
        assert body["title"] == "API rate limit exceeded"
        assert body["type"].startswith("https://")
        assert body["request_id"] == "6d5f0d1e-6a8f-4b7e-9a49-0f3f2b1c0d9e"

    def test_xml_parses(self) -> None:
        from defusedxml.ElementTree import fromstring

        text = (self.KONG / "errors" / "error.xml").read_text()
        root = fromstring((text % ("no Route matched with those values", "abc")).encode())
        assert root.find("{urn:ietf:rfc:7807}title").text == "no Route matched with those values"  # type: ignore[union-attr]

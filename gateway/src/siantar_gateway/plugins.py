"""The kong.yml plugins the development gateway enforces, as Kong 3.9 does, and the ones it leaves to Kong.

Enforced: `correlation-id`, `cors`, `rate-limiting` (policy local, in memory, per client IP), `request-size-limiting`
and `response-transformer` (added headers). Known but left to Kong: `prometheus` (the gateway serves its own
`/metrics`). Any other plugin name, or a config field or value the gateway cannot enforce, stops it at start
with the plugin named, rather than being silently ignored.

Kong runs, per plugin name, the most specific enabled instance (route, else service, else global) and in
priority order: correlation-id (100001), cors (2000), request-size-limiting (951), rate-limiting (910),
response-transformer (800). The gateway keeps that order.
"""

import calendar
import itertools
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from siantar_gateway.kongconf import KongConfig, KongConfigError, Plugin, Route

ENFORCED = ("correlation-id", "cors", "request-size-limiting", "rate-limiting", "response-transformer")
LEFT_TO_KONG = {"prometheus": "the development gateway serves its own /metrics instead"}
KNOWN = frozenset(ENFORCED) | frozenset(LEFT_TO_KONG)

# Kong's own defaults (kong/plugins/<name>/schema.lua @ 3.9.3)
CORS_DEFAULT_METHODS = ("GET", "HEAD", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "TRACE", "CONNECT")
PERIODS = ("second", "minute", "hour", "day", "month", "year")
# seconds per window, as Kong's rate-limiting `EXPIRATION` table has them (month and year are approximations
# there too; their windows start on the calendar month and year)
EXPIRATION = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "month": 2592000, "year": 31536000}
X_LIMIT = {period: f"X-RateLimit-Limit-{period.capitalize()}" for period in PERIODS}
X_REMAINING = {period: f"X-RateLimit-Remaining-{period.capitalize()}" for period in PERIODS}
X_LIMIT_B = {period: name.lower().encode() for period, name in X_LIMIT.items()}
X_REMAINING_B = {period: name.lower().encode() for period, name in X_REMAINING.items()}
SIZE_UNITS = {"megabytes": 2**20, "kilobytes": 2**10, "bytes": 1}
_PLAIN_ORIGIN = re.compile(r"^[A-Za-z0-9.:/-]+$")  # Kong compares such origins as strings, others as regexes


class _Config:
    """Typed reads of one plugin's config, collecting every problem instead of stopping at the first."""

    def __init__(self, plugin: Plugin, allowed: set[str], problems: list[str]) -> None:
        self.plugin, self.problems = plugin, problems
        for key in sorted(set(plugin.config) - allowed):
            self.fail(f"config field {key!r} is unknown to Kong 3.9 or not enforced here")

    def fail(self, message: str) -> None:
        self.problems.append(f"plugin {self.plugin.label}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = self.plugin.config.get(key, default)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            self.fail(f"{key!r} must be {getattr(kind, '__name__', kind)}, not {value!r}")
            return default
        return value

    def strings(self, key: str, default: tuple[str, ...] | None) -> tuple[str, ...] | None:
        value = self.plugin.config.get(key, default)
        if value is None:
            return None
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
            self.fail(f"{key!r} must be a list of strings")
            return default
        return tuple(value)

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.get(key, str, default)
        if value not in allowed:
            self.fail(f"{key!r} is {value!r}; the development gateway enforces only {', '.join(allowed)}")
            return default
        return str(value)


# --- correlation-id -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorrelationId:
    header: bytes  # lower-case, as ASGI gives request headers
    header_name: str
    echo_downstream: bool

    @classmethod
    def build(cls, plugin: Plugin, problems: list[str]) -> "CorrelationId":
        config = _Config(plugin, {"header_name", "generator", "echo_downstream"}, problems)
        name = config.get("header_name", str, "Kong-Request-ID")
        # uuid#counter makes `<uuid>#17`, which the services' request-id check refuses (domain.md 5.4)
        config.choice("generator", "uuid#counter", ("uuid",))
        return cls(name.lower().encode("latin-1"), name, bool(config.get("echo_downstream", bool, False)))


# --- cors ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cors:
    origins: tuple[str, ...] | None
    patterns: tuple["re.Pattern[str]", ...]
    methods: str
    headers: str | None
    exposed_headers: str | None
    max_age: str | None
    credentials: bool
    private_network: bool
    preflight_continue: bool

    @classmethod
    def build(cls, plugin: Plugin, problems: list[str]) -> "Cors":
        fields = {"origins", "headers", "exposed_headers", "methods", "max_age", "credentials", "private_network",
                  "preflight_continue"}  # fmt: skip
        config = _Config(plugin, fields, problems)
        origins = config.strings("origins", None)
        patterns = []
        for origin in origins or ():
            if origin != "*" and not _PLAIN_ORIGIN.match(origin):
                try:
                    patterns.append(re.compile(origin))
                except re.error as exc:
                    config.fail(f"origin {origin!r} is neither plain nor a valid regex: {exc}")
        headers, exposed = config.strings("headers", None), config.strings("exposed_headers", None)
        max_age = config.get("max_age", int, None)
        return cls(
            origins=origins,
            patterns=tuple(patterns),
            methods=",".join(config.strings("methods", CORS_DEFAULT_METHODS) or CORS_DEFAULT_METHODS),
            headers=",".join(headers) if headers else None,
            exposed_headers=",".join(exposed) if exposed else None,
            max_age=str(max_age) if max_age is not None else None,
            credentials=bool(config.get("credentials", bool, False)),
            private_network=bool(config.get("private_network", bool, False)),
            preflight_continue=bool(config.get("preflight_continue", bool, False)),
        )

    def allow_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for a request from `origin`, or None (no CORS headers)."""
        if not self.origins or "*" in self.origins:
            return "*" if not self.credentials or origin is None else origin
        if origin is None:
            return None
        if origin.rstrip("/") in (item.rstrip("/") for item in self.origins if _PLAIN_ORIGIN.match(item)):
            return origin
        if any(pattern.fullmatch(origin) for pattern in self.patterns):
            return origin
        return None

    def actual_headers(self, origin: str | None) -> list[tuple[bytes, bytes]]:
        allowed = self.allow_origin(origin)
        if allowed is None:
            return [(b"vary", b"Origin")]
        headers = [(b"access-control-allow-origin", allowed.encode("latin-1"))]
        if allowed != "*":
            headers.append((b"vary", b"Origin"))
        if self.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        if self.exposed_headers:
            headers.append((b"access-control-expose-headers", self.exposed_headers.encode()))
        return headers

    def preflight_headers(self, origin: str | None, requested_headers: str | None,
                          private_network: bool) -> list[tuple[bytes, bytes]]:  # fmt: skip
        allowed = self.allow_origin(origin)
        headers: list[tuple[bytes, bytes]] = [(b"vary", b"Origin")]
        if allowed is None:
            return headers
        headers.append((b"access-control-allow-origin", allowed.encode("latin-1")))
        if self.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        headers.append((b"access-control-allow-methods", self.methods.encode()))
        allow_headers = self.headers or requested_headers
        if allow_headers:
            headers.append((b"access-control-allow-headers", allow_headers.encode("latin-1")))
        if self.max_age:
            headers.append((b"access-control-max-age", self.max_age.encode()))
        if self.private_network and private_network:
            headers.append((b"access-control-allow-private-network", b"true"))
        return headers


# --- request-size-limiting ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestSizeLimiting:
    allowed_bytes: int
    require_content_length: bool

    @classmethod
    def build(cls, plugin: Plugin, problems: list[str]) -> "RequestSizeLimiting":
        config = _Config(plugin, {"allowed_payload_size", "size_unit", "require_content_length"}, problems)
        size = config.get("allowed_payload_size", int, 128)
        unit = config.choice("size_unit", "megabytes", tuple(SIZE_UNITS))
        if size < 0:
            config.fail("'allowed_payload_size' must not be negative")
        require = bool(config.get("require_content_length", bool, False))
        return cls(size * SIZE_UNITS[unit], require)


# --- rate-limiting ------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Window:
    start: int = -1  # epoch seconds of the current window's start
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rate-limiting plugin decided: the headers to add, and Retry-After seconds when refused."""

    headers: list[tuple[bytes, bytes]]
    retry_after: int | None
    status: int


class RateLimiting:
    """Kong's `rate-limiting` with `policy: local`: fixed windows per period, counted per client IP in memory."""

    def __init__(self, plugin: Plugin, problems: list[str]) -> None:
        fields = {*PERIODS, "limit_by", "header_name", "path", "policy", "fault_tolerant", "redis",
                  "hide_client_headers", "error_code", "error_message", "sync_rate"}  # fmt: skip
        config = _Config(plugin, fields, problems)
        self.label = plugin.label
        self.limits = {p: config.get(p, int, None) for p in PERIODS if plugin.config.get(p) is not None}
        if not self.limits:
            config.fail("needs at least one of second, minute, hour, day, month, year")
        ordered = [self.limits[p] for p in PERIODS if p in self.limits]
        if any(shorter > longer for shorter, longer in itertools.pairwise(ordered)):
            config.fail("a longer period's limit must not be below a shorter one's (Kong refuses it)")
        # without authentication plugins Kong falls back from consumer/credential to the client IP
        config.choice("limit_by", "consumer", ("ip", "consumer", "credential"))
        config.choice("policy", "local", ("local",))
        config.get("fault_tolerant", bool, True)
        config.get("sync_rate", (int, float), -1)
        self.hide_client_headers = bool(config.get("hide_client_headers", bool, False))
        self.error_code = int(config.get("error_code", int, 429))
        self.error_message = str(config.get("error_message", str, "API rate limit exceeded"))
        self._windows = {period: _Window() for period in self.limits}
        # per period, shortest first: its window, its length, and the header lines that never change
        self._periods = [
            (period, limit, self._windows[period], EXPIRATION[period], (X_LIMIT_B[period], str(limit).encode()),
             X_REMAINING_B[period], str(limit).encode())
            for period, limit in self.limits.items()
        ]  # fmt: skip

    def check(self, client: str, now: float | None = None) -> Verdict:
        """Count one request of `client`, unless a limit is reached (then it is refused and not counted)."""
        now = time.time() if now is None else now
        seconds = int(now)
        used_by_period = []
        stop = None
        for period, limit, window, _, _, _, _ in self._periods:
            start = _window_start(period, seconds)
            if window.start != start:
                window.start, window.counts = start, {}
            used = window.counts.get(client, 0)
            used_by_period.append(used)
            if limit - used <= 0:
                stop = period
        if stop is None:
            for _, _, window, _, _, _, _ in self._periods:
                window.counts[client] = window.counts.get(client, 0) + 1
        # as Kong's handler: the RateLimit-* triple describes the period with the fewest requests left (on a tie,
        # the longer window); Reset is the seconds until that window ends, at least 1
        headers: list[tuple[bytes, bytes]] = []
        best_remaining, best_window, best_reset, best_limit = -1, 0, 1, b""
        now_ms = int(now * 1000)
        for (period, limit, window, length, limit_line, remaining_name, limit_text), used in zip(
            self._periods, used_by_period, strict=True
        ):
            remaining = limit - used - (1 if stop is None or stop == period else 0)
            remaining = max(0, remaining)
            if (
                best_remaining < 0
                or remaining < best_remaining
                or (remaining == best_remaining and length > best_window)
            ):
                best_remaining, best_window, best_limit = remaining, length, limit_text
                best_reset = max(1, length - (now_ms - window.start * 1000) // 1000)
            headers.append(limit_line)
            headers.append((remaining_name, str(remaining).encode()))
        if self.hide_client_headers:
            headers = []
        else:
            headers += [
                (b"ratelimit-limit", best_limit),
                (b"ratelimit-remaining", str(best_remaining).encode()),
                (b"ratelimit-reset", str(best_reset).encode()),
            ]
        if stop is not None:
            return Verdict(
                [*headers, (b"retry-after", str(best_reset).encode())], best_reset, self.error_code
            )
        return Verdict(headers, None, 200)


def _window_start(period: str, seconds: int) -> int:
    if period in ("month", "year"):
        moment = datetime.fromtimestamp(seconds, UTC)
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if period == "year":
            start = start.replace(month=1)
        return calendar.timegm(start.timetuple())
    return seconds - seconds % EXPIRATION[period]


# --- response-transformer -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResponseTransformer:
    """Only `add.headers`: a header is added when the upstream's answer does not already carry it (as Kong)."""

    add: tuple[tuple[bytes, bytes], ...]

    @classmethod
    def build(cls, plugin: Plugin, problems: list[str]) -> "ResponseTransformer":
        config = _Config(plugin, {"add", "remove", "rename", "replace", "append"}, problems)
        for operation in ("remove", "rename", "replace", "append"):
            if _non_empty(plugin.config.get(operation)):
                config.fail(f"{operation!r} is not enforced by the development gateway (only add.headers)")
        add = plugin.config.get("add") or {}
        if not isinstance(add, Mapping):
            config.fail("'add' must be a mapping")
            add = {}
        for key in set(add) - {"headers", "json", "json_types"}:
            config.fail(f"'add.{key}' is unknown to Kong 3.9")
        if _non_empty(add.get("json")):
            config.fail("'add.json' is not enforced by the development gateway (only add.headers)")
        pairs = []
        for item in add.get("headers") or []:
            name, sep, value = str(item).partition(":")
            if not sep or not name.strip():
                config.fail(f"header {item!r} must be 'Name:value'")
                continue
            pairs.append((name.strip().lower().encode("latin-1"), value.strip().encode("latin-1")))
        return cls(tuple(pairs))

    def apply(self, headers: list[tuple[bytes, bytes]]) -> None:
        present = {name for name, _ in headers}
        headers.extend((name, value) for name, value in self.add if name not in present)


def _non_empty(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_non_empty(item) for item in value.values())
    return bool(value)


# --- chains -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Chain:
    """The plugins that run for one route (or for requests no route matched)."""

    correlation_id: CorrelationId | None = None
    cors: Cors | None = None
    size_limit: RequestSizeLimiting | None = None
    rate_limit: RateLimiting | None = None
    transformer: ResponseTransformer | None = None


@dataclass(frozen=True)
class Chains:
    by_route: Mapping[str, Chain]
    unmatched: Chain
    left_to_kong: tuple[Plugin, ...]

    def of(self, route: Route | None) -> Chain:
        return self.unmatched if route is None else self.by_route[route.name]


def build_chains(config: KongConfig) -> Chains:
    """One chain per route, each plugin instance built once (so a global limit counts across routes, as in Kong).
    Raises KongConfigError naming every plugin the development gateway cannot enforce."""
    problems: list[str] = []
    built: dict[int, Any] = {}
    for plugin in config.plugins:
        if plugin.name not in KNOWN:
            problems.append(
                f"plugin {plugin.label} is unknown to the development gateway: it enforces "
                f"{', '.join(ENFORCED)} and leaves {', '.join(LEFT_TO_KONG)} to Kong"
            )
        elif plugin.name in ENFORCED:
            built[id(plugin)] = _BUILDERS[plugin.name](plugin, problems)
    if problems:
        raise KongConfigError(problems)

    def chain(route: Route | None) -> Chain:
        chosen = config.plugins_of(route)
        parts = {_FIELDS[name]: built[id(plugin)] for name, plugin in chosen.items() if name in _FIELDS}
        return Chain(**parts)

    left = tuple(plugin for plugin in config.plugins if plugin.name in LEFT_TO_KONG and plugin.enabled)
    return Chains({route.name: chain(route) for route in config.routes}, chain(None), left)


_BUILDERS: dict[str, Any] = {
    "correlation-id": CorrelationId.build,
    "cors": Cors.build,
    "request-size-limiting": RequestSizeLimiting.build,
    "rate-limiting": RateLimiting,
    "response-transformer": ResponseTransformer.build,
}
_FIELDS = {
    "correlation-id": "correlation_id",
    "cors": "cors",
    "request-size-limiting": "size_limit",
    "rate-limiting": "rate_limit",
    "response-transformer": "transformer",
}

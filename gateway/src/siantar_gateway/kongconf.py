"""kong.yml as typed dataclasses: loading, the checks Kong makes that the deck JSON schema misses, and routing.

Routing follows Kong's `traditional_compatible` router for the subset we use: prefix paths (a plain string
prefix, so `/permits` also matches `/permitsx`, as in Kong) and regex paths (`~/...`, anchored at the start of
the path), an optional method filter; among matching routes the one with more match categories (paths +
methods) wins, then a regex path over a prefix one (regexes by `regex_priority`), then the longest prefix.
`strip_path` is honoured with Kong's `path_handling: v0` joining. What the development gateway cannot enforce
(hosts, headers, ...) is refused at load time rather than silently ignored.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

FORMAT_VERSION = "3.0"
KONG_DEFAULT_TIMEOUT_MS = 60_000
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
UNSUPPORTED_ROUTE_FIELDS = ("hosts", "headers", "snis", "sources", "destinations", "expression")
Document = Mapping[str, Any]
Override = Callable[[str], str | None]


def _no_override(service_name: str) -> str | None:
    return None


class KongConfigError(ValueError):
    """kong.yml is invalid, or uses something the development gateway cannot enforce."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid kong.yml: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds (kong.yml holds milliseconds)."""

    connect: float
    write: float
    read: float


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    url: str  # scheme://host:port, without a path
    path: str  # "" or the service's path prefix, e.g. "/api"
    timeouts: Timeouts


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    service: Service
    paths: tuple[str, ...]
    methods: frozenset[str] | None
    strip_path: bool
    regex_priority: int = 0

    @property
    def categories(self) -> int:
        """How many kinds of rule this route has; Kong tries routes with more rules first."""
        return 1 + (self.methods is not None)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    prefix: str  # the part of the request path the route's path matched

    @property
    def service(self) -> Service:
        return self.route.service

    @property
    def keeps_path(self) -> bool:
        """True when the upstream path is the request path unchanged (no strip, no service path)."""
        return not self.route.strip_path and self.service.path in ("", "/")

    def upstream_path(self, path: str) -> str:
        """Kong `path_handling: v0`: the service path, then the request path (minus the prefix if stripped)."""
        rest = path[len(self.prefix) :] if self.route.strip_path else path
        base = self.service.path or "/"
        if base.endswith("/") and rest.startswith("/"):
            return base + rest[1:]
        return base + rest if rest else base


@dataclass(frozen=True, slots=True)
class Plugin:
    name: str
    scope: str  # "global", "service:<name>" or "route:<name>"
    config: Mapping[str, Any]
    enabled: bool = True
    instance_name: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How messages name this plugin: `rate-limiting (rate-login, route:identity-login)`."""
        return f"{self.name} ({self.instance_name + ', ' if self.instance_name else ''}{self.scope})"


@dataclass(frozen=True, slots=True)
class _Entry:
    path: str
    regex: "re.Pattern[str] | None"
    route: Route


@dataclass(frozen=True)
class KongConfig:
    services: tuple[Service, ...]
    routes: tuple[Route, ...]
    plugins: tuple[Plugin, ...] = ()
    _table: tuple[_Entry, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        entries = [
            _Entry(path, re.compile(path[1:]) if path.startswith("~") else None, route)
            for route in self.routes
            for path in route.paths
        ]
        entries.sort(key=_priority, reverse=True)
        object.__setattr__(self, "_table", tuple(entries))

    def match(self, method: str, path: str) -> Match | None:
        """The route Kong would pick for `method` and the (normalised) request `path`, if any."""
        for entry in self._table:
            route = entry.route
            if route.methods is not None and method not in route.methods:
                continue
            if entry.regex is None:
                if path.startswith(entry.path):
                    return Match(route, entry.path)
            elif found := entry.regex.match(path):
                return Match(route, found.group(0))
        return None

    def plugins_of(self, route: Route | None) -> dict[str, Plugin]:
        """The enabled plugin instance Kong runs per plugin name: the route's, else the service's, else global."""
        chosen: dict[str, Plugin] = {}
        scopes = (
            ["global"]
            if route is None
            else ["global", f"service:{route.service.name}", f"route:{route.name}"]
        )
        for scope in scopes:
            for plugin in self.plugins:
                if plugin.scope == scope and plugin.enabled:
                    chosen[plugin.name] = plugin
        return chosen

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)


def _priority(entry: _Entry) -> tuple[int, int, int, int]:
    # traditional_compatible: match categories, then regex over prefix, then regex_priority or prefix length
    regex = entry.regex is not None
    route = entry.route
    return (route.categories, regex, route.regex_priority if regex else 0, 0 if regex else len(entry.path))


def merge_slashes(path: str) -> str:
    """`/open311/v2//requests.json` -> `/open311/v2/requests.json` (Open311 clients are known to send these)."""
    return _SLASHES.sub("/", path)


_SLASHES = re.compile(r"/{2,}")


def normalize_path(path: str) -> str:
    """Remove `.` and `..` segments (RFC 3986 5.2.4), so `/permits/../identity` routes as `/identity`."""
    if "/." not in path:
        return path
    segments: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if segments:
                segments.pop()
        elif segment != ".":
            segments.append(segment)
    trailing = "/" if path.endswith(("/.", "/..")) else ""
    return "/" + "/".join(segments) + trailing


def load(path: Path, override: Override = _no_override) -> KongConfig:
    """Read, check and parse kong.yml; `override(service_name)` may give a local upstream URL."""
    return parse(read_document(path), override)


def read_document(path: Path) -> Any:
    with path.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def parse(document: Any, override: Override = _no_override) -> KongConfig:
    problems = lint(document) or unsupported(document)
    if problems:
        raise KongConfigError(problems)
    services = {item["name"]: _service(item, override(item["name"])) for item in _list(document, "services")}
    routes = tuple(_route(item, services[owner]) for owner, item in iter_routes(document))
    return KongConfig(tuple(services.values()), routes, tuple(_plugins(document)))


# --- checks: what Kong refuses at load time although the deck JSON schema lets it through ---------------


def lint(document: Any) -> list[str]:
    """Problems Kong would report that the deck schema misses: format version, paths, methods, duplicates."""
    if not isinstance(document, Mapping):
        return ["kong.yml must be a mapping"]
    problems = _lint_format_version(document)
    problems += _lint_unique("service", [item.get("name") for item in _list(document, "services")])
    problems += _lint_unique("route", [item.get("name") for _, item in iter_routes(document)])
    for _, route in iter_routes(document):
        problems += _lint_route(route)
    problems += _lint_plugins(document)
    return problems


def _lint_plugins(document: Document) -> list[str]:
    """Plugin entries: a name, a known scope, one instance per name and scope, unique instance names."""
    services = {item.get("name") for item in _list(document, "services")}
    routes = {item.get("name") for _, item in iter_routes(document)}
    problems, seen = [], set()
    for scope, item in iter_plugins(document):
        name = item.get("name")
        if not isinstance(name, str) or not name:
            problems.append(f"plugin in {scope}: needs a name")
            continue
        kind, _, target = scope.partition(":")
        if (kind == "route" and target not in routes) or (kind == "service" and target not in services):
            problems.append(f"plugin {name!r} names {kind} {target!r}, which does not exist")
        if (name, scope) in seen:
            problems.append(f"plugin {name!r} is configured twice on {scope}")
        seen.add((name, scope))
    problems += _lint_unique(
        "plugin instance", [item.get("instance_name") for _, item in iter_plugins(document)]
    )
    return problems


def _lint_format_version(document: Document) -> list[str]:
    if "_format_version" not in document:
        return ["_format_version is missing (Kong requires it)"]
    if document["_format_version"] != FORMAT_VERSION:
        return [f"_format_version is {document['_format_version']!r}, expected {FORMAT_VERSION!r}"]
    return []


def _lint_unique(kind: str, names: list[Any]) -> list[str]:
    named = [name for name in names if name is not None]
    duplicates = sorted({str(name) for name in named if named.count(name) > 1})
    return [f"{kind} name {name!r} is used more than once" for name in duplicates]


def _lint_route(route: Mapping[str, Any]) -> list[str]:
    name, problems = route.get("name", "<unnamed>"), []
    for path in route.get("paths") or []:
        if not isinstance(path, str) or not path.startswith(("/", "~/")):
            problems.append(f"route {name!r}: path {path!r} must start with '/' (or '~/' for a regex)")
        elif "//" in path:
            problems.append(f"route {name!r}: path {path!r} contains '//'")
    for method in route.get("methods") or []:
        if method not in HTTP_METHODS:
            problems.append(f"route {name!r}: {method!r} is not an HTTP method")
    return problems


def unsupported(document: Document) -> list[str]:
    """Valid Kong that the development gateway cannot enforce, so it refuses to start on it."""
    problems = [
        f"service {i}: needs a name" for i, s in enumerate(_list(document, "services")) if not s.get("name")
    ]
    for owner, route in iter_routes(document):
        name = route.get("name", "<unnamed>")
        problems += [
            f"route {name!r}: {key!r} is not supported" for key in UNSUPPORTED_ROUTE_FIELDS if key in route
        ]
        for path in route.get("paths") or []:
            if str(path).startswith("~"):
                try:
                    re.compile(str(path)[1:])
                except re.error as exc:
                    problems.append(f"route {name!r}: regex path {path!r} does not compile: {exc}")
        if not route.get("paths"):
            problems.append(f"route {name!r}: needs at least one path")
        if owner is None:
            problems.append(f"route {name!r}: names no known service")
        if set(route.get("protocols") or ["http"]) - {"http", "https"}:
            problems.append(f"route {name!r}: only http/https protocols are supported")
    return problems


# --- parsing ------------------------------------------------------------------------------------------


def iter_routes(document: Document) -> Iterator[tuple[str | None, Mapping[str, Any]]]:
    """Every route with the name of its service: nested under a service, or top level with `service:`."""
    services = _list(document, "services")
    for service in services:
        for route in _list(service, "routes"):
            yield service.get("name"), route
    names = {service.get("name") for service in services}
    for route in _list(document, "routes"):
        reference = route.get("service")
        owner = reference.get("name") if isinstance(reference, Mapping) else reference
        yield (owner if owner in names else None), route


def _list(container: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = container.get(key) or []
    return [item for item in items if isinstance(item, Mapping)]


def _service(item: Mapping[str, Any], override: str | None) -> Service:
    url, path = _split_url(override or item.get("url") or _url_from_parts(item))
    if override is None and item.get("path"):
        path = item["path"]
    timeouts = Timeouts(*(item.get(f"{kind}_timeout", KONG_DEFAULT_TIMEOUT_MS) / 1000 for kind in _KINDS))
    return Service(
        name=item["name"], url=url, path=path.rstrip("/") if path != "/" else "", timeouts=timeouts
    )


_KINDS = ("connect", "write", "read")


def _url_from_parts(item: Mapping[str, Any]) -> str:
    protocol = item.get("protocol", "http")
    port = item.get("port", 443 if protocol == "https" else 80)
    return f"{protocol}://{item['host']}:{port}{item.get('path') or ''}"


def _split_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KongConfigError([f"upstream URL {url!r} must be http(s)://host[:port][/path]"])
    return f"{parts.scheme}://{parts.netloc}", parts.path


def _route(item: Mapping[str, Any], service: Service) -> Route:
    methods = item.get("methods")
    return Route(
        name=item.get("name") or f"{service.name}-route",
        service=service,
        paths=tuple(item["paths"]),
        methods=frozenset(m.upper() for m in methods) if methods else None,
        strip_path=item.get("strip_path", True),  # Kong's default: true
        regex_priority=int(item.get("regex_priority", 0)),
    )


def iter_plugins(document: Document) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every plugin entry with its scope: nested under a service or route, or top level (global unless it
    names a `route:` or `service:`, as Kong reads it)."""
    for item in _list(document, "plugins"):
        route, service = _reference(item.get("route")), _reference(item.get("service"))
        yield (f"route:{route}" if route else f"service:{service}" if service else "global"), item
    for service_item in _list(document, "services"):
        for item in _list(service_item, "plugins"):
            yield f"service:{service_item.get('name')}", item
    for _, route_item in iter_routes(document):
        for item in _list(route_item, "plugins"):
            yield f"route:{route_item.get('name')}", item


def _reference(value: Any) -> Any:
    return value.get("name") if isinstance(value, Mapping) else value


def _plugins(document: Document) -> Iterator[Plugin]:
    for scope, item in iter_plugins(document):
        yield Plugin(
            item["name"],
            scope,
            item.get("config") or {},
            item.get("enabled", True),
            item.get("instance_name"),
            tuple(item.get("tags") or ()),
        )

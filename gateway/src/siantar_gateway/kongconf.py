"""kong.yml as typed dataclasses: loading, the checks Kong makes that the deck JSON schema misses, and routing.

Routing follows Kong's traditional router for the subset we use: prefix paths only (a plain string prefix, so
`/permits` also matches `/permitsx`, as in Kong), an optional method filter, and among matching routes the one
with more match categories (paths + methods), then the longest prefix. `strip_path` is honoured with Kong's
`path_handling: v0` joining. What the development gateway cannot enforce (regex paths, hosts, headers, ...)
is refused at load time rather than silently ignored.
"""

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

    @property
    def categories(self) -> int:
        """How many kinds of rule this route has; Kong tries routes with more rules first."""
        return 1 + (self.methods is not None)


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    prefix: str

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


@dataclass(frozen=True)
class KongConfig:
    services: tuple[Service, ...]
    routes: tuple[Route, ...]
    plugins: tuple[Plugin, ...] = ()
    _table: tuple[tuple[str, Route], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = [(path, route) for route in self.routes for path in route.paths]
        pairs.sort(key=lambda pair: (pair[1].categories, len(pair[0])), reverse=True)
        object.__setattr__(self, "_table", tuple(pairs))

    def match(self, method: str, path: str) -> Match | None:
        """The route Kong would pick for `method` and the (normalised) request `path`, if any."""
        for prefix, route in self._table:
            if path.startswith(prefix) and (route.methods is None or method in route.methods):
                return Match(route, prefix)
        return None

    def service(self, name: str) -> Service:
        return next(service for service in self.services if service.name == name)


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
        if any(str(path).startswith("~") for path in route.get("paths") or []):
            problems.append(f"route {name!r}: regex paths are not supported")
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
    )


def _plugins(document: Document) -> Iterator[Plugin]:
    scoped: list[tuple[str, Mapping[str, Any]]] = [("global", document)]
    scoped += [(f"service:{s.get('name')}", s) for s in _list(document, "services")]
    scoped += [(f"route:{r.get('name')}", r) for _, r in iter_routes(document)]
    for scope, container in scoped:
        for item in _list(container, "plugins"):
            yield Plugin(item["name"], scope, item.get("config") or {}, item.get("enabled", True))

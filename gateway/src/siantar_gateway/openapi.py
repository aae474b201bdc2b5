"""One OpenAPI document for the whole platform at `/openapi.json`, and Swagger UI at `/docs` (development only).

Each service publishes `/<prefix>/v1/openapi.json` (svc-identity: `/identity/v1/openapi.json`). The gateway fetches
them concurrently, merges their paths, tags and components, and keeps the result for a short time (TTL). A
component name two services define differently is renamed in the second one's copy (`Problem` ->
`permits_Problem`) together with every `$ref` to it, so no definition is lost. A service that does not answer
is left out, and the document names it (`x-siantar-unavailable`, and in the description) instead of failing.
The docs page loads its Swagger UI assets from the gateway itself (fastapi-offline's copies): no CDN, and a
Content-Security-Policy without inline scripts.
"""

import asyncio
import importlib.util
import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from siantar_gateway.proxy import Upstream

logger = logging.getLogger("siantar_gateway.openapi")
# fastapi-offline's copies of the Swagger UI files, found without importing it (that would import FastAPI)
_OFFLINE = importlib.util.find_spec("fastapi_offline")
ASSETS = Path(next(iter(_OFFLINE.submodule_search_locations or ())) if _OFFLINE else ".") / "static"
ASSET_TYPES = {
    "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
INIT_JS = b"""window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
"""
DOCS_HTML = b"""<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>Siantar: API platform</title>
<link rel="icon" type="image/png" href="/docs-assets/favicon.png">
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/docs-assets/init.js"></script>
</body>
</html>
"""
# the docs page and its assets only: scripts and styles from the gateway itself (Swagger UI sets inline styles)
DOCS_CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    b"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
COMPONENT_SECTIONS = ("schemas", "responses", "parameters", "examples", "requestBodies", "headers",
                      "securitySchemes", "links", "callbacks")  # fmt: skip


def docs_path(service_name: str) -> str:
    """Where a service publishes its document: svc-identity -> /identity/v1/openapi.json."""
    return f"/{service_name.removeprefix('svc-')}/v1/openapi.json"


class Assets:
    """The docs page's files, read once."""

    def __init__(self) -> None:
        self._cache: dict[str, tuple[bytes, str]] = {
            "init.js": (INIT_JS, "application/javascript; charset=utf-8")
        }

    def get(self, name: str) -> tuple[bytes, str] | None:
        if name not in self._cache and name in ASSET_TYPES:
            self._cache[name] = ((ASSETS / name).read_bytes(), ASSET_TYPES[name])
        return self._cache.get(name)


class Aggregator:
    """The merged document, fetched at most once per `ttl` seconds (concurrent callers share one fetch)."""

    def __init__(self, upstreams: Sequence[Upstream], ttl: float, timeout: float) -> None:
        self.upstreams = list(upstreams)
        self.ttl, self.timeout = ttl, timeout
        self._document: bytes | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> bytes:
        async with self._lock:
            if self._document is None or time.monotonic() >= self._expires:
                self._document = json.dumps(await self._build(), ensure_ascii=False).encode()
                self._expires = time.monotonic() + self.ttl
            return self._document

    async def _build(self) -> dict[str, Any]:
        results = await asyncio.gather(*(self._fetch(upstream) for upstream in self.upstreams))
        parts = [(upstream.service.name, doc) for upstream, (doc, _) in zip(self.upstreams, results, strict=True)
                 if doc is not None]  # fmt: skip
        down = [{"service": upstream.service.name, "detail": problem}
                for upstream, (_, problem) in zip(self.upstreams, results, strict=True) if problem is not None]  # fmt: skip
        return merge(parts, down)

    async def _fetch(self, upstream: Upstream) -> tuple[dict[str, Any] | None, str | None]:
        url = upstream.service.url + docs_path(upstream.service.name)
        try:
            limit = aiohttp.ClientTimeout(total=self.timeout)
            async with upstream.session.get(
                url, timeout=limit, headers={"Accept": "application/json"}
            ) as response:
                if response.status != 200:
                    return None, f"HTTP {response.status} from {docs_path(upstream.service.name)}"
                document = json.loads(await response.read())
        except TimeoutError:
            return None, "timeout"
        except (aiohttp.ClientError, OSError):
            return None, "unreachable"
        except ValueError:
            return None, "not a JSON document"
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            return None, "not an OpenAPI document"
        return document, None


def merge(
    parts: Sequence[tuple[str, Mapping[str, Any]]], down: Sequence[Mapping[str, str]]
) -> dict[str, Any]:
    """Paths, tags and components of every part; clashing component names are prefixed by the service."""
    merged: dict[str, Any] = {
        "openapi": next((str(doc.get("openapi")) for _, doc in parts if doc.get("openapi")), "3.1.0"),
        "info": {
            "title": "Siantar: API platform",
            "version": "+".join(f"{name}:{doc.get('info', {}).get('version', '?')}" for name, doc in parts)
            or "0",
            "description": _description(parts, down),
        },
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {},
        "tags": [],
    }
    if down:
        merged["x-siantar-unavailable"] = list(down)
    seen_tags: set[str] = set()
    for name, doc in parts:
        doc = _renamed(name, doc, merged["components"])
        for path, item in doc.get("paths", {}).items():
            if path in merged["paths"]:
                logger.warning("openapi path %s of %s is already taken; kept the first", path, name)
                continue
            merged["paths"][path] = item
        for section, entries in (doc.get("components") or {}).items():
            merged["components"].setdefault(section, {}).update(entries)
        for tag in doc.get("tags") or []:
            if tag.get("name") not in seen_tags:
                seen_tags.add(tag.get("name"))
                merged["tags"].append(tag)
    return merged


def _description(parts: Sequence[tuple[str, Mapping[str, Any]]], down: Sequence[Mapping[str, str]]) -> str:
    lines = ["Every service behind the Siantar gateway, merged by the development gateway."]
    lines += [f"- {name}: {doc.get('info', {}).get('title', name)}" for name, doc in parts]
    lines += [f"- {item['service']}: UNAVAILABLE ({item['detail']}); its paths are missing" for item in down]
    return "\n".join(lines)


def _renamed(service: str, doc: Mapping[str, Any], taken: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """`doc` with each component that clashes with a different one already merged renamed `<svc>_<name>`."""
    prefix = service.removeprefix("svc-")
    renames: dict[str, str] = {}
    for section, entries in (doc.get("components") or {}).items():
        for name, value in entries.items():
            existing = taken.get(section, {}).get(name)
            if existing is not None and existing != value:
                renames[f"#/components/{section}/{name}"] = f"#/components/{section}/{prefix}_{name}"
    if not renames:
        return dict(doc)
    copied: dict[str, Any] = _rewrite(doc, renames)
    for old, new in renames.items():
        section, old_name, new_name = old.split("/")[2], old.split("/")[3], new.split("/")[3]
        copied["components"][section][new_name] = copied["components"][section].pop(old_name)
    return copied


def _rewrite(value: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _rewrite_member(key, item, renames) for key, item in value.items()}
    if isinstance(value, list):
        return [_rewrite(item, renames) for item in value]
    return value


def _rewrite_member(key: str, item: Any, renames: Mapping[str, str]) -> Any:
    if key == "$ref" and isinstance(item, str):
        return renames.get(item, item)
    if key == "security" and isinstance(item, list):  # security requirements name schemes, not $ref them
        schemes = {old.rsplit("/", 1)[1]: new.rsplit("/", 1)[1] for old, new in renames.items()
                   if old.startswith("#/components/securitySchemes/")}  # fmt: skip
        return [{schemes.get(name, name): scopes for name, scopes in requirement.items()}
                if isinstance(requirement, dict) else requirement for requirement in item]  # fmt: skip
    return _rewrite(item, renames)

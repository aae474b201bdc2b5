"""Render gateway/kong.yml for one environment: the base file with an overlay's plugin changes applied.

Kong reads no environment variables in a declarative file, so what differs per environment (CORS origins, rate
limits, HSTS) lives in `deploy/kong/overlays/<env>.yml` and is rendered into `deploy/kong/kong.<env>.yml`, the
file that environment's Kong (and, for dev and test, the development gateway) loads:

    python -m siantar_gateway render --env prod -o deploy/kong/kong.prod.yml
    python -m siantar_gateway render --env prod --check deploy/kong/kong.prod.yml   # exit 1 if out of date

An overlay is a list of patches. Each selects plugins by one of their tags (`siantar:limit-login`) and deep-merges
a `config` into every plugin it selects: mappings merge, other values replace, and a key ending in `+`
(`headers+`) appends to the list of that name. A patch that selects nothing, and a result Kong or the
development gateway would refuse, are errors.
"""

import copy
import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from siantar_gateway import kongconf
from siantar_gateway.config import DEFAULT_KONG_CONFIG
from siantar_gateway.plugins import build_chains

ENVIRONMENTS = ("dev", "test", "prod")
DEPLOY_KONG = DEFAULT_KONG_CONFIG.parents[1] / "deploy" / "kong"
OVERLAYS = DEPLOY_KONG / "overlays"
HEADER = (
    "# GENERATED from gateway/kong.yml and deploy/kong/overlays/{env}.yml: do not edit by hand.\n"
    "# Re-render: python -m siantar_gateway render --env {env} -o deploy/kong/kong.{env}.yml\n"
)


class OverlayError(ValueError):
    """The overlay does not fit the base file."""


def rendered_path(env: str) -> Path:
    """Where the committed render of `env` lives (a stable path: deploy/k8s mounts it)."""
    return DEPLOY_KONG / f"kong.{env}.yml"


def render(env: str, base: Path = DEFAULT_KONG_CONFIG, overlays: Path = OVERLAYS) -> str:
    """The rendered kong.yml text of `env`."""
    if env not in ENVIRONMENTS:
        raise OverlayError(f"unknown environment {env!r}; expected one of {', '.join(ENVIRONMENTS)}")
    document = apply(kongconf.read_document(base), kongconf.read_document(overlays / f"{env}.yml"))
    problems = kongconf.lint(document) or kongconf.unsupported(document)
    if problems:
        raise OverlayError(f"the {env} render is invalid: " + "; ".join(problems))
    build_chains(kongconf.parse(document))
    return HEADER.format(env=env) + dump(document)


def apply(base: Any, overlay: Any) -> Any:
    """The base document with the overlay's patches applied (neither argument is changed)."""
    document = copy.deepcopy(base)
    if overlay is None:
        return document
    if not isinstance(overlay, Mapping) or set(overlay) - {"plugins", "_comment"}:
        raise OverlayError("an overlay is a mapping with a `plugins` list (and an optional `_comment`)")
    for number, patch in enumerate(overlay.get("plugins") or [], start=1):
        if not isinstance(patch, Mapping) or set(patch) != {"tag", "config"}:
            raise OverlayError(f"patch {number}: needs exactly `tag` and `config`")
        selected: list[dict[str, Any]] = [
            item  # type: ignore[misc]  # the document's own (mutable) mappings
            for _, item in kongconf.iter_plugins(document)
            if patch["tag"] in (item.get("tags") or [])
        ]
        if not selected:
            raise OverlayError(f"patch {number}: no plugin carries the tag {patch['tag']!r}")
        for item in selected:
            item["config"] = merge(item.get("config") or {}, patch["config"], f"patch {number}")
    return document


def merge(target: Mapping[str, Any], change: Mapping[str, Any], where: str) -> dict[str, Any]:
    result = dict(target)
    for key, value in change.items():
        if key.endswith("+"):
            name = key[:-1]
            existing = result.get(name) or []
            if not isinstance(existing, list) or not isinstance(value, list):
                raise OverlayError(f"{where}: `{key}` appends a list to a list")
            result[name] = [*existing, *value]
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merge(result[key], value, where)
        else:
            result[key] = copy.deepcopy(value)
    return result


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # spell every docs route's headers out, rather than `&id001` anchors


def dump(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=200)


def diff(expected: str, path: Path) -> str:
    """A unified diff from the file at `path` to `expected`; empty when they are equal."""
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = difflib.unified_diff(
        current.splitlines(keepends=True), expected.splitlines(keepends=True), str(path), "rendered"
    )
    return "".join(lines)

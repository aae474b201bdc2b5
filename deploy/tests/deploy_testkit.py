"""Paths and small parsers shared by the deployment tests: the compose file, kong.yml, Dockerfiles, .env.example."""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
SCHEMAS = HERE / "schemas"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
KONG_YML = ROOT / "gateway" / "kong.yml"
# a service is a workspace member folder named svc-<name>; each gets an image, a migrate job and a route
SERVICE_DIRS = sorted(path.parent.name for path in ROOT.glob("svc-*/pyproject.toml"))
IMAGE_DIRS = [*SERVICE_DIRS, "gateway"]
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alt}
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}")


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def service_name(folder: str) -> str:
    """svc-permits -> permits (the import siantar_permits, the env prefix PERMITS_, the database name)."""
    return folder.removeprefix("svc-")


def kong_upstream_hosts(kong: Any) -> dict[str, str]:
    """kong.yml service name -> the host of its URL (the DNS name compose and Kubernetes must provide)."""
    return {service["name"]: urlsplit(service["url"]).hostname or "" for service in kong.get("services", [])}


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A compose service's environment as a mapping, whether written as a mapping or as KEY=value items."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages with their (KEYWORD, arguments) instructions: continuation lines joined, comments dropped."""
    stages: list[Stage] = []
    logical = re.sub(
        r"\\\n(?:[ \t]*#[^\n]*\n)*", " ", text
    )  # a line ending in \ continues (comments between)
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), " ".join(args.split())
        if keyword == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append(Stage(base=parts[0], name=name))
        elif stages:
            stages[-1].instructions.append((keyword, args))
    return stages


def env_example_entries(text: str) -> dict[str, tuple[bool, str]]:
    """Variables of .env.example: name -> (set, value); `# NAME=value` lines are documented but not set."""
    entries = {}
    for line in text.splitlines():
        match = re.match(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$", line.strip())
        if match:
            entries[match["name"]] = (match["comment"] is None, match["value"])
    return entries

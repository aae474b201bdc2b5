"""Development demo data: `var/demo-credentials.json`, written by each service's seed hook.

Format: `{"accounts": [{"username", "password", "roles", "agency", "totp_secret"}], "api_clients":
[{"client_id", "client_secret", "api_key", "scopes", "first_party"}]}`. Development only: production creates
no default account, and the file is readable by its owner alone.
"""

import json
import os
from pathlib import Path
from typing import Any

from siantar_shared.settings import ServiceSettings

FILE_NAME = "demo-credentials.json"


def credentials_path(settings: ServiceSettings) -> Path:
    return settings.VAR_DIR / FILE_NAME


def read_demo_credentials(settings: ServiceSettings) -> dict[str, list[dict[str, Any]]]:
    path = credentials_path(settings)
    if not path.is_file():
        return {"accounts": [], "api_clients": []}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {"accounts": list(data.get("accounts", [])), "api_clients": list(data.get("api_clients", []))}


def write_demo_credentials(
    settings: ServiceSettings, *, accounts: list[dict[str, Any]], api_clients: list[dict[str, Any]]
) -> Path:
    """Replace the file atomically (owner-only permissions). Refused in production."""
    if settings.is_production:
        raise RuntimeError("demo credentials are a development feature; production creates no default account")
    path = credentials_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"accounts": accounts, "api_clients": api_clients}, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    temporary.replace(path)
    return path

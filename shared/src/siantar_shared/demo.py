"""Development demo data: `var/demo-credentials.json`, written by each service's seed hook.

Format: `{"accounts": [{"username", "password", "roles", "agency", "totp_secret"}], "api_clients":
[{"client_id", "client_secret", "api_key", "scopes", "first_party"}]}`. Development only: production creates
no default account, and the file is readable by its owner alone.
"""

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from siantar_shared.settings import ServiceSettings

FILE_NAME = "demo-credentials.json"
logger = logging.getLogger("siantar_shared.demo")


def credentials_path(settings: ServiceSettings) -> Path:
    return settings.VAR_DIR / FILE_NAME


def read_demo_credentials(settings: ServiceSettings) -> dict[str, list[dict[str, Any]]]:
    """The demo accounts and API clients; empty lists when the file is missing or not in the expected shape."""
    path = credentials_path(settings)
    empty: dict[str, list[dict[str, Any]]] = {"accounts": [], "api_clients": []}
    if not path.is_file():
        return empty
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        logger.warning("ignoring unreadable %s", path)
        return empty
    if not isinstance(data, dict):
        logger.warning("ignoring %s: not a JSON object", path)
        return empty
    return {key: _records(data.get(key)) for key in empty}


def _records(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def write_demo_credentials(
    settings: ServiceSettings, *, accounts: list[dict[str, Any]], api_clients: list[dict[str, Any]]
) -> Path:
    """Replace the file atomically (owner-only permissions). Refused in production."""
    if settings.is_production:
        raise RuntimeError(
            "demo credentials are a development feature; production creates no default account"
        )
    path = credentials_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a fresh, uniquely named temporary file is created 0600: a stale or concurrent one cannot widen the mode
    descriptor, temporary = tempfile.mkstemp(prefix=f".{FILE_NAME}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(
                {"accounts": accounts, "api_clients": api_clients}, handle, indent=2, ensure_ascii=False
            )
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

"""JSON-lines logging carrying the service name and the request id.

Personal data never goes into a log: callers log ids, never NIK, phone, email or address. As a second line
of defence, `redact()` masks anything that looks like a NIK, an Indonesian phone number or an email address
in the rendered message.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from siantar_shared.requestid import request_id_var

_NIK = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")
# 08xx..., 628xx..., +628xx..., +62 8xx..., +62-8xx..., with optional spaces or dashes between groups
_PHONE = re.compile(r"(?<![0-9])(?:\+?62[ -]?|0)8[0-9][0-9 -]{6,13}[0-9](?![0-9])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# color_message: uvicorn's ANSI-coloured copy of the message, noise in a JSON line
_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "color_message",
}


# every NIK or phone match holds a run like this (a digit, 7+ digits/spaces/dashes, a digit), every email an "@":
# text without either is returned as it is after one search instead of three substitutions
_SUSPECT = re.compile(r"[0-9][0-9 -]{7,}[0-9]|@")


def redact(text: str) -> str:
    """Mask NIK-, phone- and email-shaped substrings."""
    if _SUSPECT.search(text) is None:
        return text
    text = _NIK.sub("[nik]", text)
    text = _PHONE.sub("[phone]", text)
    return _EMAIL.sub("[email]", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, request_id, message and `extra` fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": redact(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key in _RESERVED or key.startswith("_"):
                continue
            if entry.get(key) is None:  # `extra` never replaces a core field (a job may supply request_id)
                entry[key] = _safe(value)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def _safe(value: object) -> object:
    """A JSON value for an `extra` field: numbers stay numbers unless they look like a NIK or a phone."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        text = str(value)
        return value if redact(text) == text else redact(text)
    return redact(str(value))


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send every logger (uvicorn's too) to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # uvicorn's access log prints the full path with its query string (which may carry an api_key);
    # our own access log in siantar_shared.metrics logs the route template instead. Without a handler of its own
    # or above it, uvicorn does not even format the line's arguments (it asks `hasHandlers()` per connection).
    access = logging.getLogger("uvicorn.access")
    access.propagate = False
    access.disabled = True

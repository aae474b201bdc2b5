"""The gateway's access log: the JSON lines `siantar_shared.logging.JsonFormatter` would write, made cheaply.

One line per request, with the request id, method, path (never the query string: it may carry an api key),
status, kong.yml route and duration. At one line per proxied request, Python's logging machinery (a LogRecord,
handler locks, the shared formatter redacting every field) cost more than the proxying (bench/gateway/README.md),
so the gateway keeps each request as a tuple and formats and writes the lines in batches: when `capacity` lines
are waiting, every `interval` seconds (the lifespan runs `flush_periodically`), and at shutdown. Only what a client
can put in a line is redacted (the path and the method); the route comes from kong.yml, the status and duration
are numbers, the request id passed `sanitize_request_id`.
"""

import asyncio
import sys
import time
from datetime import UTC, datetime
from json.encoder import encode_basestring as _encode  # json.dumps's (C) escaping, ensure_ascii=False
from typing import TextIO

from siantar_shared.logging import redact

LOGGER_NAME = "siantar_gateway.access"  # the `logger` member of each line, as the shared formatter names it
Entry = tuple[float, str | None, str, str, int, str | None, float]


def _text(value: str | None) -> str:
    return "null" if value is None else _encode(value)


class AccessLog:
    """Requests waiting to be written, and the writer."""

    def __init__(self, service: str = "gateway", stream: TextIO | None = None, capacity: int = 256) -> None:
        self.service = service
        self.stream = stream  # None: sys.stderr as it is at write time
        self.capacity = capacity
        self.pending: list[Entry] = []
        self._fixed = f'"level": "INFO", "service": {_encode(service)}, "logger": {_encode(LOGGER_NAME)}, '

    def add(self, request_id: str | None, method: str, path: str, status: int, route: str | None,
            duration_ms: float) -> None:  # fmt: skip
        self.pending.append((time.time(), request_id, method, path, status, route, duration_ms))
        if len(self.pending) >= self.capacity:
            self.flush()

    def line(self, entry: Entry) -> str:
        """The line `json.dumps` makes of the entry's members (a test compares them), put together directly:
        the fixed members are encoded once, the client's strings escaped by the C encoder `json.dumps` uses."""
        created, request_id, method, path, status, route, duration_ms = entry
        stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
        return (
            f'{{"time": "{stamp}", {self._fixed}"request_id": {_text(request_id)}, "message": "request", '
            f'"method": {_encode(redact(method))}, "path": {_encode(redact(path))}, "status": {int(status)}, '
            f'"route": {_text(route)}, "duration_ms": {float(duration_ms)!r}}}'
        )

    def flush(self) -> None:
        if not self.pending:
            return
        entries, self.pending = self.pending, []
        stream = self.stream or sys.stderr
        try:
            stream.write("".join(self.line(entry) + "\n" for entry in entries))
            stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must never break a request
            pass

    async def flush_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.flush()

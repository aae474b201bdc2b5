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
import json
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

from siantar_shared.logging import redact

LOGGER_NAME = "siantar_gateway.access"  # the `logger` member of each line, as the shared formatter names it
Entry = tuple[float, str | None, str, str, int, str | None, float]


class AccessLog:
    """Requests waiting to be written, and the writer."""

    def __init__(self, service: str = "gateway", stream: TextIO | None = None, capacity: int = 256) -> None:
        self.service = service
        self.stream = stream  # None: sys.stderr as it is at write time
        self.capacity = capacity
        self.pending: list[Entry] = []

    def add(self, request_id: str | None, method: str, path: str, status: int, route: str | None,
            duration_ms: float) -> None:  # fmt: skip
        self.pending.append((time.time(), request_id, method, path, status, route, duration_ms))
        if len(self.pending) >= self.capacity:
            self.flush()

    def line(self, entry: Entry) -> str:
        created, request_id, method, path, status, route, duration_ms = entry
        return json.dumps(
            {
                "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
                "level": "INFO",
                "service": self.service,
                "logger": LOGGER_NAME,
                "request_id": request_id,
                "message": "request",
                "method": redact(method),
                "path": redact(path),
                "status": status,
                "route": route,
                "duration_ms": duration_ms,
            },
            ensure_ascii=False,
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

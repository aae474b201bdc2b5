"""The gateway's access log: the same JSON lines `siantar_shared.logging.JsonFormatter` writes, made cheaply.

The shared formatter redacts every field (NIK, phone and email patterns) and the stream handler writes and flushes
each line on its own; at one line per proxied request that cost more than the proxying (bench/gateway/README.md).
Here only what a client can put in a line is redacted (the path and the method; the route name comes from
kong.yml, the status and duration are numbers), and lines are written in batches: when `capacity` lines are
waiting, or every `interval` seconds (the lifespan runs `flush_periodically`), and at shutdown.
"""

import asyncio
import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

from siantar_shared.logging import redact
from siantar_shared.requestid import request_id_var

ACCESS_LOGGER = "siantar_gateway.access"


class AccessFormatter(logging.Formatter):
    """JsonFormatter's members for an access record: time, level, service, logger, request_id, message, extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        route = getattr(record, "route", None)
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": redact(record.getMessage()),
            "method": redact(str(getattr(record, "method", ""))),
            "path": redact(str(getattr(record, "path", ""))),
            "status": getattr(record, "status", None),
            "route": None if route is None else str(route),
            "duration_ms": getattr(record, "duration_ms", None),
        }
        return json.dumps(entry, ensure_ascii=False)


class BatchHandler(logging.Handler):
    """Keeps formatted lines and writes them together (one write, one flush)."""

    def __init__(self, stream: TextIO | None = None, capacity: int = 256) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.capacity = capacity
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # noqa: BLE001 - logging must never break a request
            self.handleError(record)
            return
        if len(self.lines) >= self.capacity:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        lines, self.lines = self.lines, []
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()

    async def flush_periodically(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.flush()


def install(service: str = "gateway", stream: TextIO | None = None) -> BatchHandler:
    """Route the access logger to its own batching handler (the rest of the logging stays as configured)."""
    handler = BatchHandler(stream)
    handler.setFormatter(AccessFormatter(service))
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.handlers[:] = [handler]
    logger.propagate = False
    return handler

"""The gateway's lean access log writes the same JSON lines as the shared formatter, redacts what a client can
put in them, and writes them in batches."""

import io
import json
import logging

from siantar_gateway.accesslog import AccessFormatter, BatchHandler, install
from siantar_shared.logging import JsonFormatter
from siantar_shared.requestid import request_id_var

EXTRA = {
    "method": "GET",
    "path": "/complaints/v1/complaints",
    "status": 200,
    "route": "complaints",
    "duration_ms": 1.2,
}


def record(**extra: object) -> logging.LogRecord:
    return logging.getLogger("siantar_gateway.access").makeRecord(
        "siantar_gateway.access", logging.INFO, __file__, 1, "request", (), None, extra={**EXTRA, **extra}
    )


def test_same_line_as_the_shared_formatter() -> None:
    token = request_id_var.set("req-1")
    try:
        for item in (record(), record(route=None), record(path="/identity/v1/x?y")):
            assert json.loads(AccessFormatter("gateway").format(item)) == json.loads(
                JsonFormatter("gateway").format(item)
            )
    finally:
        request_id_var.reset(token)


def test_client_strings_are_redacted() -> None:
    line = json.loads(
        AccessFormatter("gateway").format(
            record(path="/x/1271010101900001/u@example.com", method="0812345678901")
        )
    )
    assert (line["path"], line["method"]) == ("/x/[nik]/[email]", "[phone]")


def test_lines_are_written_in_batches() -> None:
    stream = io.StringIO()
    handler = BatchHandler(stream, capacity=3)
    handler.setFormatter(AccessFormatter("gateway"))
    handler.handle(record())
    handler.handle(record())
    assert stream.getvalue() == ""
    handler.handle(record())
    assert len(stream.getvalue().splitlines()) == 3
    handler.handle(record(status=404))
    handler.flush()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert json.loads(lines[-1])["status"] == 404


def test_install_takes_the_access_logger_only() -> None:
    logger = logging.getLogger("siantar_gateway.access")
    saved = (logger.handlers[:], logger.propagate)
    try:
        stream = io.StringIO()
        handler = install("gateway", stream)
        logger.warning("request", extra=EXTRA)
        handler.flush()
        assert json.loads(stream.getvalue())["logger"] == "siantar_gateway.access"
        assert logger.propagate is False
    finally:
        logger.handlers[:], logger.propagate = saved

"""The gateway's lean access log writes the same JSON lines as the shared formatter, redacts what a client can
put in them, and writes them in batches."""

import io
import json
import logging

import pytest

from siantar_gateway.accesslog import LOGGER_NAME, AccessLog
from siantar_shared.logging import JsonFormatter
from siantar_shared.requestid import request_id_var

EXTRA = {
    "method": "GET",
    "path": "/complaints/v1/complaints",
    "status": 200,
    "route": "complaints",
    "duration_ms": 1.2,
}


def shared_line(created: float, request_id: str, **extra: object) -> dict[str, object]:
    """What siantar_shared's JsonFormatter writes for the same request."""
    record = logging.getLogger(LOGGER_NAME).makeRecord(
        LOGGER_NAME, logging.INFO, __file__, 1, "request", (), None, extra={**EXTRA, **extra}
    )
    record.created = created
    token = request_id_var.set(request_id)
    try:
        return json.loads(JsonFormatter("gateway").format(record))  # type: ignore[no-any-return]
    finally:
        request_id_var.reset(token)


def own_line(created: float, request_id: str, **extra: object) -> dict[str, object]:
    fields = {**EXTRA, **extra}
    entry = (created, request_id, fields["method"], fields["path"], fields["status"], fields["route"],
             fields["duration_ms"])  # fmt: skip
    return json.loads(AccessLog("gateway").line(entry))  # type: ignore[arg-type, no-any-return]


def test_same_line_as_the_shared_formatter() -> None:
    created = 1_795_000_000.1234
    for extra in ({}, {"route": None}, {"path": "/identity/v1/x?y"}, {"status": 499}):
        assert own_line(created, "req-1", **extra) == shared_line(created, "req-1", **extra)


def test_client_strings_are_redacted() -> None:
    line = own_line(0.0, "r", path="/x/1271010101900001/u@example.com", method="0812345678901")
    assert (line["path"], line["method"]) == ("/x/[nik]/[email]", "[phone]")


def test_lines_are_written_in_batches() -> None:
    stream = io.StringIO()
    log = AccessLog("gateway", stream, capacity=3)
    log.add("a", "GET", "/x", 200, "complaints", 1.0)
    log.add("b", "GET", "/x", 200, "complaints", 1.0)
    assert stream.getvalue() == ""
    log.add("c", "GET", "/x", 200, "complaints", 1.0)
    assert [json.loads(line)["request_id"] for line in stream.getvalue().splitlines()] == ["a", "b", "c"]
    log.add("d", "GET", "/y", 404, None, 0.5)
    log.flush()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert json.loads(lines[-1]) | {"time": None} == {
        "time": None,
        "level": "INFO",
        "service": "gateway",
        "logger": LOGGER_NAME,
        "request_id": "d",
        "message": "request",
        "method": "GET",
        "path": "/y",
        "status": 404,
        "route": None,
        "duration_ms": 0.5,
    }


def test_a_broken_stream_loses_the_batch_but_never_raises() -> None:
    stream = io.StringIO()
    stream.close()
    log = AccessLog("gateway", stream)
    log.add("a", "GET", "/x", 200, None, 1.0)
    log.flush()
    assert log.pending == []


def test_stderr_is_looked_up_when_writing(capsys: pytest.CaptureFixture[str]) -> None:
    log = AccessLog("gateway")
    log.add("a", "GET", "/x", 200, None, 1.0)
    log.flush()
    assert json.loads(capsys.readouterr().err)["request_id"] == "a"


@pytest.mark.parametrize(
    "entry",
    [
        (1_795_000_000.1234, "req-1", "GET", "/complaints/v1/complaints", 200, "complaints", 1.2),
        (0.0, None, "POST", '/x/"quoted"\\back\nline\ttab\x01', 499, None, 0.0),
        (1_795_000_000.9999, "r", "PATCH", "/ünïcödé/漢字/😀", 201, "identity-write", 1234.5678),
        (1_795_000_000.5, "r", "GET", "/x/1271010101900001/u@example.com", 502, "r", 0.1),
    ],
)
def test_the_line_is_what_json_dumps_makes(entry: tuple[object, ...]) -> None:
    created, request_id, method, path, status, route, duration_ms = entry
    from datetime import UTC, datetime

    from siantar_shared.logging import redact

    expected = json.dumps(
        {
            "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),  # type: ignore[arg-type]
            "level": "INFO",
            "service": "gateway",
            "logger": LOGGER_NAME,
            "request_id": request_id,
            "message": "request",
            "method": redact(method),  # type: ignore[arg-type]
            "path": redact(path),  # type: ignore[arg-type]
            "status": status,
            "route": route,
            "duration_ms": duration_ms,
        },
        ensure_ascii=False,
    )
    assert AccessLog("gateway").line(entry) == expected  # type: ignore[arg-type]

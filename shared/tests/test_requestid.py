"""X-Request-ID: accepted when sane, replaced otherwise, echoed, logged, and forwarded on outgoing calls."""

import asyncio
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from siantar_shared.errors import install_error_handlers
from siantar_shared.http import make_client
from siantar_shared.logging import JsonFormatter
from siantar_shared.requestid import (
    REQUEST_ID_HEADER,
    RequestIdMiddleware,
    get_request_id,
    new_request_id,
    sanitize_request_id,
)

LOGGER = "siantar.tests.requestid"
DOWNSTREAM = "http://svc-permits:8000"


def is_uuid4(value: str) -> bool:
    try:
        return uuid.UUID(value).version == 4 and len(value) == 36
    except ValueError:
        return False


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """JSON lines written by our formatter for the test logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("testsvc"))
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def build_app(outgoing: list[httpx.Request]) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    def capture(request: httpx.Request) -> httpx.Response:
        outgoing.append(request)
        return httpx.Response(200, json={"ok": True})

    @app.get("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        logging.getLogger(LOGGER).info("echo served")
        return {"var": get_request_id(), "state": request.state.request_id}

    @app.get("/sync-echo")
    def sync_echo() -> dict[str, Any]:
        return {"var": get_request_id()}

    @app.get("/call-downstream")
    async def call_downstream() -> dict[str, Any]:
        async with make_client(DOWNSTREAM, transport=httpx.MockTransport(capture)) as client:
            await client.get("/permits/v1/applications")
            await client.get("/explicit", headers={"X-Request-ID": "chosen-by-caller"})
        return {"var": get_request_id()}

    @app.get("/slow")
    async def slow() -> dict[str, Any]:
        before = get_request_id()
        await asyncio.sleep(0.01)
        return {"before": before, "after": get_request_id()}

    return app


@pytest.fixture
def outgoing() -> list[httpx.Request]:
    return []


@pytest.fixture
async def client(outgoing: list[httpx.Request]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(outgoing))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def raw_request(app: Any, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[bytes, bytes], bytes]:
    """Call an ASGI app with header bytes no HTTP client would send (newlines, latin-1)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/echo",
        "raw_path": b"/echo",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = next(m for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body


class TestSanitize:
    @pytest.mark.parametrize(
        "value",
        ["abc", "a" * 128, "0f8c2c1e-7c7a-4c9e-9d6e-3b1d2f5c4a10", "kong:1.2-3_x", "A.B:C-D_E", "1"],
    )
    def test_accepted(self, value: str) -> None:
        assert sanitize_request_id(value) == value

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "a" * 129,
            "has space",
            "line\nbreak",
            "trailing-newline\n",
            "tab\there",
            "café",
            "ünïcödé",
            "١٢٣",  # non-ASCII digits
            "semi;colon",
            'quote"d',
            "<script>",
            "nul\x00byte",
            "crlf\r\nX-Injected: yes",
            "slash/path",
        ],
    )
    def test_refused(self, value: str | None) -> None:
        assert sanitize_request_id(value) is None

    def test_new_ids_are_unique_uuid4(self) -> None:
        ids = {new_request_id() for _ in range(100)}
        assert len(ids) == 100
        assert all(is_uuid4(value) for value in ids)


class TestRequestIdMiddleware:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        """No header: a fresh UUID4, echoed and visible inside the request."""
        response = await client.get("/echo")
        request_id = response.headers["x-request-id"]
        assert is_uuid4(request_id)
        assert response.json() == {"var": request_id, "state": request_id}

    async def test_sane_id_kept_and_echoed(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/echo", headers={"X-Request-ID": "gw-1234.abc:9_Z"})
        assert response.headers["x-request-id"] == "gw-1234.abc:9_Z"
        assert response.json() == {"var": "gw-1234.abc:9_Z", "state": "gw-1234.abc:9_Z"}

    @pytest.mark.parametrize("bad", ["x" * 129, "with spaces", "semi;colon", "<b>"])
    async def test_bad_id_replaced(self, client: httpx.AsyncClient, bad: str) -> None:
        response = await client.get("/echo", headers={"X-Request-ID": bad})
        request_id = response.headers["x-request-id"]
        assert request_id != bad
        assert is_uuid4(request_id)
        assert response.json()["var"] == request_id

    @pytest.mark.parametrize(
        "raw", [b"evil\nX-Injected: 1", b"line\r\nbreak", b"caf\xc3\xa9", b"\xff\xfe", b"", b"ok\x00nul"]
    )
    async def test_unsafe_bytes_replaced(self, raw: bytes) -> None:
        app = build_app([])
        status, headers, body = await raw_request(app, [(b"x-request-id", raw)])
        assert status == 200
        request_id = headers[b"x-request-id"].decode()
        assert is_uuid4(request_id)
        assert json.loads(body)["var"] == request_id

    async def test_one_id_header_in_the_answer(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/echo", headers={"X-Request-ID": "only-once"})
        assert response.headers.get_list("x-request-id") == ["only-once"]

    async def test_sync_endpoint_sees_the_id(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/sync-echo", headers={"X-Request-ID": "sync-1"})
        assert response.json() == {"var": "sync-1"}

    async def test_error_answers_carry_the_id(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/no-such-route", headers={"X-Request-ID": "err-404"})
        assert response.status_code == 404
        assert response.headers["x-request-id"] == "err-404"

    async def test_reset_after_the_request(self, client: httpx.AsyncClient) -> None:
        await client.get("/echo", headers={"X-Request-ID": "leak-check"})
        assert get_request_id() is None

    async def test_concurrent_requests_keep_their_own_ids(self, client: httpx.AsyncClient) -> None:
        ids = [f"req-{n}" for n in range(20)]
        responses = await asyncio.gather(*(client.get("/slow", headers={"X-Request-ID": i}) for i in ids))
        for request_id, response in zip(ids, responses, strict=True):
            assert response.json() == {"before": request_id, "after": request_id}

    async def test_lifespan_passes_through(self) -> None:
        seen: list[str] = []

        async def inner(scope: Any, receive: Any, send: Any) -> None:
            seen.append(scope["type"])

        await RequestIdMiddleware(inner)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
        assert seen == ["lifespan"]


class TestInLogs:
    async def test_log_lines_carry_the_id(self, client: httpx.AsyncClient, log_lines: io.StringIO) -> None:
        response = await client.get("/echo", headers={"X-Request-ID": "log-me-1"})
        assert response.status_code == 200
        entries = [json.loads(line) for line in log_lines.getvalue().splitlines()]
        assert [entry["message"] for entry in entries] == ["echo served"]
        assert entries[0]["request_id"] == "log-me-1"
        assert entries[0]["service"] == "testsvc"

    async def test_generated_id_logged(self, client: httpx.AsyncClient, log_lines: io.StringIO) -> None:
        response = await client.get("/echo", headers={"X-Request-ID": "bad id"})
        entry = json.loads(log_lines.getvalue().splitlines()[0])
        assert entry["request_id"] == response.headers["x-request-id"]

    def test_outside_a_request_it_is_null(self, log_lines: io.StringIO) -> None:
        logging.getLogger(LOGGER).info("no request here")
        assert json.loads(log_lines.getvalue())["request_id"] is None


class TestForwarding:
    async def test_forwarded_on_outgoing_calls(
        self, client: httpx.AsyncClient, outgoing: list[httpx.Request]
    ) -> None:
        response = await client.get("/call-downstream", headers={"X-Request-ID": "follow-me"})
        assert response.json() == {"var": "follow-me"}
        assert [str(request.url) for request in outgoing] == [
            f"{DOWNSTREAM}/permits/v1/applications",
            f"{DOWNSTREAM}/explicit",
        ]
        assert outgoing[0].headers[REQUEST_ID_HEADER] == "follow-me"
        assert outgoing[1].headers[REQUEST_ID_HEADER] == "chosen-by-caller"  # an explicit header wins

    async def test_generated_id_forwarded(
        self, client: httpx.AsyncClient, outgoing: list[httpx.Request]
    ) -> None:
        response = await client.get("/call-downstream")
        assert outgoing[0].headers[REQUEST_ID_HEADER] == response.headers["x-request-id"]

    async def test_nothing_forwarded_outside_a_request(self) -> None:
        outgoing: list[httpx.Request] = []

        def capture(request: httpx.Request) -> httpx.Response:
            outgoing.append(request)
            return httpx.Response(204)

        async with make_client(DOWNSTREAM, transport=httpx.MockTransport(capture)) as downstream:
            await downstream.get("/x")
        assert REQUEST_ID_HEADER not in outgoing[0].headers
        assert outgoing[0].headers["user-agent"] == "siantar-platform"

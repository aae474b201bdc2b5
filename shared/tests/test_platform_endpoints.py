"""Platform endpoints and helpers: /livez, /healthz, /metrics, the outgoing HTTP client, off-loop CPU work."""

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from siantar_shared import health, metrics, threads
from siantar_shared.db import make_engine
from siantar_shared.errors import install_error_handlers
from siantar_shared.http import DEFAULT_TIMEOUT, make_client
from siantar_shared.requestid import RequestIdMiddleware, get_request_id, request_id_var
from siantar_shared.testing.databases import fresh_database
from siantar_shared.testing.plugin import StateInjector

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


PREFIX = "/testsvc/v1"


def build_app() -> FastAPI:
    """The platform part of `create_service_app`, without its lifespan (ASGITransport runs none); the service's
    routes are included under a prefix, as `create_service_app` does."""
    app = FastAPI()
    app.state.metrics = metrics.Metrics("testsvc")
    install_error_handlers(app)
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestIdMiddleware)

    items = APIRouter(prefix="/items")

    @items.get("/{item_id}")
    async def get_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @items.get("/{item_id}/notes/{note_id}")
    async def get_note(item_id: int, note_id: int) -> dict[str, int]:
        return {"id": note_id}

    @items.get("/crash/now")
    async def crash() -> None:
        raise RuntimeError("boom")

    service = APIRouter()
    service.include_router(items)
    app.include_router(service, prefix=PREFIX)
    app.include_router(health.router)
    app.include_router(metrics.router)

    @app.get("/direct/{name}")
    async def direct(name: str) -> dict[str, str]:
        return {"name": name}

    sub = FastAPI()
    open311 = APIRouter()

    @open311.get("/requests/{code}")
    async def request_by_code(code: str) -> dict[str, str]:
        return {"code": code}

    sub.include_router(open311, prefix="/v2")
    app.mount("/open311", sub)
    return app


ITEM = f"{PREFIX}/items/{{item_id}}"


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_database(f"shared_platform_{WORKER}") as url:
        engine = make_engine(url, app_name="test.shared-platform")
        yield engine
        await engine.dispose()


async def client_for(app: FastAPI, state: dict[str, Any]) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=StateInjector(app, state))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with await client_for(build_app(), {"engine": engine}) as client:
        yield client


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """`{sorted label pairs: value}` for one metric of a Prometheus exposition."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def count(text: str, method: str, route: str, status: str) -> float:
    key = (("method", method), ("route", route), ("status", status))
    return samples(text, "http_requests_total").get(key, 0.0)


class TestLivez:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/livez")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_without_a_database(self) -> None:
        """Liveness never touches the database: an outage must not restart every pod."""
        async with await client_for(build_app(), {}) as client:
            assert (await client.get("/livez")).status_code == 200


class TestHealthz:
    async def test_database_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert body["checks"]["database"]["status"] == "ok"
        assert body["checks"]["database"]["latency_ms"] >= 0

    @pytest.mark.parametrize(
        "url",
        [
            "postgresql+asyncpg://postgres@127.0.0.1:1/siantar",  # a closed port
            "postgresql+asyncpg://nobody@[::1]:1/siantar",
        ],
    )
    async def test_postgres_unreachable_is_503(self, url: str, caplog: pytest.LogCaptureFixture) -> None:
        engine = make_engine(url, app_name="test.unreachable")
        try:
            async with await client_for(build_app(), {"engine": engine}) as client:
                with caplog.at_level(logging.WARNING, logger="siantar_shared.health"):
                    response = await client.get("/healthz")
        finally:
            await engine.dispose()
        assert response.status_code == 503
        assert response.json() == {"status": "fail", "checks": {"database": {"status": "fail"}}}
        assert "127.0.0.1" not in response.text
        assert "database check failed" in caplog.text

    async def test_sqlite_folder_missing_is_503(self, tmp_path: Path) -> None:
        """The folder vanishes after start-up (a volume unmounted): not ready, and nothing is recreated."""
        folder = tmp_path / "volume"
        engine = make_engine(f"sqlite+aiosqlite:///{folder}/service.db", app_name="x")
        folder.rmdir()
        try:
            async with await client_for(build_app(), {"engine": engine}) as client:
                response = await client.get("/healthz")
        finally:
            await engine.dispose()
        assert response.status_code == 503
        assert str(tmp_path) not in response.text
        assert not folder.exists()

    async def test_sqlite_folder_impossible_is_503(self, tmp_path: Path) -> None:
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("a file where the database folder should be")
        engine = make_engine(f"sqlite+aiosqlite:///{blocker}/deeper/service.db", app_name="x")
        try:
            async with await client_for(build_app(), {"engine": engine}) as client:
                assert (await client.get("/healthz")).status_code == 503
        finally:
            await engine.dispose()

    async def test_slow_database_times_out(
        self, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        class Hanging:
            def connect(self) -> "Hanging":
                return self

            async def __aenter__(self) -> None:
                await asyncio.sleep(60)

            async def __aexit__(self, *args: object) -> None:
                return None

        monkeypatch.setattr(health, "DATABASE_CHECK_TIMEOUT", 0.05)
        async with await client_for(build_app(), {"engine": Hanging()}) as client:
            started = time.perf_counter()
            response = await client.get("/healthz")
        assert response.status_code == 503
        assert time.perf_counter() - started < 5

    async def test_recovers(self, engine: AsyncEngine) -> None:
        broken = make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/siantar", app_name="x")
        app = build_app()
        state: dict[str, Any] = {"engine": broken}
        try:
            async with await client_for(app, state) as client:
                assert (await client.get("/healthz")).status_code == 503
                state["engine"] = engine
                assert (await client.get("/healthz")).status_code == 200
        finally:
            await broken.dispose()


class TestMetrics:
    async def test_counted_by_route_template(self, client: httpx.AsyncClient) -> None:
        for item_id in (1, 2, 3):
            response = await client.get(f"{PREFIX}/items/{item_id}?api_key=secret{item_id}")
            assert response.status_code == 200
        assert (await client.get(f"{PREFIX}/items/7/notes/8")).status_code == 200
        assert (await client.get("/direct/abc")).status_code == 200
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        assert count(text, "GET", ITEM, "200") == 3
        assert count(text, "GET", f"{ITEM}/notes/{{note_id}}", "200") == 1
        assert count(text, "GET", "/direct/{name}", "200") == 1
        assert "/items/1" not in text
        assert 'route="/{item_id}"' not in text  # never without the router prefix
        assert "secret" not in text
        latency = samples(text, "http_request_duration_seconds_count")
        assert latency[(("method", "GET"), ("route", ITEM))] == 3

    async def test_unmatched_paths_share_one_label(self, client: httpx.AsyncClient) -> None:
        for path in (
            "/nope",
            "/wp-admin.php",
            f"{PREFIX}/items",
            f"{PREFIX}/nope/1",
            "/a/b/c/d",
            f"/{'x' * 500}",
        ):
            assert (await client.get(path)).status_code == 404
        text = (await client.get("/metrics")).text
        assert count(text, "GET", metrics.UNMATCHED, "404") == 6
        routes = {dict(labels)["route"] for labels in samples(text, "http_requests_total")}
        assert routes == {metrics.UNMATCHED}  # one label, whatever the paths

    async def test_wrong_method_and_bad_parameter(self, client: httpx.AsyncClient) -> None:
        assert (await client.delete(f"{PREFIX}/items/1")).status_code == 405
        assert (await client.get(f"{PREFIX}/items/not-a-number")).status_code == 422
        text = (await client.get("/metrics")).text
        assert count(text, "DELETE", ITEM, "405") == 1
        assert count(text, "GET", ITEM, "422") == 1

    async def test_unhandled_error_counted_as_500(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{PREFIX}/items/crash/now")
        assert response.status_code == 500
        assert response.headers["x-request-id"]
        assert count((await client.get("/metrics")).text, "GET", f"{PREFIX}/items/crash/now", "500") == 1

    async def test_mounted_app_labelled_with_its_prefix(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/open311/v2/requests/abc")).status_code == 200
        text = (await client.get("/metrics")).text
        assert count(text, "GET", "/open311/v2/requests/{code}", "200") == 1

    async def test_odd_methods_share_one_label(self, client: httpx.AsyncClient) -> None:
        for method in ("FOO", "BAR", "X" * 50, "get"):
            await client.request(method, f"{PREFIX}/items/1")
        text = (await client.get("/metrics")).text
        methods = {dict(labels)["method"] for labels in samples(text, "http_requests_total")}
        assert methods <= {"GET", metrics.OTHER_METHOD}
        assert count(text, metrics.OTHER_METHOD, ITEM, "405") == 3

    async def test_apps_have_their_own_registries(self, engine: AsyncEngine) -> None:
        async with await client_for(build_app(), {"engine": engine}) as first:
            await first.get(f"{PREFIX}/items/1")
        async with await client_for(build_app(), {"engine": engine}) as second:
            assert count((await second.get("/metrics")).text, "GET", ITEM, "200") == 0

    async def test_access_log_names_the_template(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="siantar.access"):
            await client.get(f"{PREFIX}/items/42?api_key=topsecret", headers={"X-Request-ID": "acc-1"})
            await client.get("/healthz")
            await client.get("/livez")
            await client.get("/metrics")
        records = [r for r in caplog.records if r.name == "siantar.access"]
        assert [r.getMessage() for r in records] == [f"GET {ITEM} 200"]
        assert records[0].status == 200  # type: ignore[attr-defined]
        assert "topsecret" not in caplog.text

    def test_route_template_without_a_route(self) -> None:
        assert metrics.route_template({"type": "http", "path": "/x"}) == metrics.UNMATCHED

    @pytest.mark.parametrize(
        "odd", [None, "x", {"effective_route_context": None}, {"effective_route_context": 5}]
    )
    def test_route_template_with_odd_framework_state(self, odd: object) -> None:
        assert metrics.route_template({"type": "http", "fastapi": odd}) == metrics.UNMATCHED


class TestHttpClient:
    async def test_defaults(self) -> None:
        async with make_client("http://svc-identity:8001") as client:
            assert client.timeout == DEFAULT_TIMEOUT
            assert client.timeout.connect == 1.0
            assert client.timeout.read == 5.0
            assert str(client.base_url) == "http://svc-identity:8001"
            assert client.headers["user-agent"] == "siantar-platform"

    async def test_forwards_the_current_request_id(self) -> None:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(200)

        token = request_id_var.set("hop-1")
        try:
            async with make_client("http://svc", transport=httpx.MockTransport(handler)) as client:
                await client.post("/x", json={})
        finally:
            request_id_var.reset(token)
        assert seen[0].headers["x-request-id"] == "hop-1"

    async def test_timeout_raised(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectTimeout("slow", request=request)

        async with make_client("http://svc", transport=httpx.MockTransport(handler)) as client:
            with pytest.raises(httpx.ConnectTimeout):
                await client.get("/x")


@pytest.fixture
def restore_threads() -> Iterator[None]:
    yield
    threads.configure(4)


@pytest.mark.usefixtures("restore_threads")
class TestRunCpuBound:
    async def test_runs_off_the_event_loop(self) -> None:
        loop_thread = threading.get_ident()
        worker_thread = await threads.run_cpu_bound(threading.get_ident)
        assert worker_thread != loop_thread

    async def test_loop_stays_responsive(self) -> None:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        task = asyncio.create_task(ticker())
        try:
            await threads.run_cpu_bound(time.sleep, 0.2)
        finally:
            task.cancel()
        assert ticks >= 5

    async def test_arguments_and_result(self) -> None:
        def combine(a: int, b: int, *, sep: str) -> str:
            return f"{a}{sep}{b}"

        assert await threads.run_cpu_bound(combine, 1, 2, sep="-") == "1-2"

    async def test_exception_propagates(self) -> None:
        def fail() -> None:
            raise ValueError("bad image")

        with pytest.raises(ValueError, match="bad image"):
            await threads.run_cpu_bound(fail)

    async def test_request_id_visible_in_the_worker(self) -> None:
        token = request_id_var.set("cpu-1")
        try:
            assert await threads.run_cpu_bound(get_request_id) == "cpu-1"
        finally:
            request_id_var.reset(token)

    @pytest.mark.parametrize("capacity", [1, 2, 3])
    async def test_honours_the_capacity(self, capacity: int) -> None:
        threads.configure(capacity)
        lock = threading.Lock()
        running = peak = 0

        def job() -> None:
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.03)
            with lock:
                running -= 1

        await asyncio.gather(*(threads.run_cpu_bound(job) for _ in range(capacity * 3)))
        assert peak == capacity
        assert threads.limiter().total_tokens == capacity

    async def test_reconfigure_resizes(self) -> None:
        threads.configure(2)
        first = threads.limiter()
        threads.configure(5)
        assert threads.limiter().total_tokens == 5
        assert first.total_tokens == 5  # work already queued on the old limiter sees the new size too

    @pytest.mark.parametrize("capacity", [0, -1])
    def test_bad_capacity_refused(self, capacity: int) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            threads.configure(capacity)

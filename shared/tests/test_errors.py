"""RFC 9457 problems in Indonesian or English: AppError, HTTP errors, 422 validation, unhandled 500."""

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Header, Query
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from siantar_shared.errors import (
    PROBLEM_BASE,
    PROBLEM_JSON,
    AppError,
    Conflict,
    NotFound,
    Unauthorized,
    database_unavailable,
    install_error_handlers,
    problem_body,
)
from siantar_shared.i18n import LocalizedValueError, Text, pick_language
from siantar_shared.requestid import RequestIdMiddleware
from siantar_shared.validation import field_errors

LEAKY_MESSAGE = "connection to db://admin:hunter2@10.0.0.5 failed"


class Location(BaseModel):
    lat: float = Field(ge=-90, le=90)
    lon: float

    @field_validator("lon")
    @classmethod
    def inside_siantar(cls, value: float) -> float:
        if not 98.9 <= value <= 99.2:
            raise LocalizedValueError(
                Text("Bujur di luar Kota Pematangsiantar", "Longitude outside Pematangsiantar")
            )
        return value


class ReportCreate(BaseModel):
    title: str = Field(min_length=3, max_length=20)
    location: Location
    tags: list[str] = []
    meta: dict[str, int] = {}

    @field_validator("title")
    @classmethod
    def no_shouting(cls, value: str) -> str:
        if value.isupper():
            raise ValueError("title must not be all capitals")
        return value


class ReportGone(NotFound):
    slug = "report-not-found"
    title = Text("Laporan tidak ditemukan", "Report not found")


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/reports/{report_id}")
    async def get_report(report_id: int) -> dict[str, int]:
        if report_id == 404:
            raise ReportGone(
                Text("Laporan {id} tidak ada", "Report {id} does not exist").format(id=report_id)
            )
        if report_id == 410:
            raise NotFound()
        return {"id": report_id}

    @app.post("/reports", status_code=201)
    async def create_report(
        body: ReportCreate,
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        x_tenant: Annotated[str | None, Header(pattern=r"^[a-z]+$")] = None,
    ) -> dict[str, str]:
        return {"title": body.title}

    @app.put("/reports/{report_id}/status")
    async def conflict(report_id: int) -> None:
        raise Conflict(
            Text("Laporan sudah ditutup", "The report is already closed"),
            extra={"current_status": "closed", "status": 200, "type": "spoofed"},
        )

    @app.get("/plain-detail")
    async def plain_detail() -> None:
        raise Conflict("versi 3 sudah ada")

    @app.get("/http/{code}")
    async def http_error(code: int) -> None:
        raise StarletteHTTPException(code)

    @app.get("/http-detail")
    async def http_detail() -> None:
        raise StarletteHTTPException(409, detail="Nomor sudah dipakai")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(LEAKY_MESSAGE)

    @app.get("/sync-boom")
    def sync_boom() -> None:
        raise KeyError(LEAKY_MESSAGE)

    @app.get("/db-busy")
    async def db_busy() -> None:
        raise sa_exc.OperationalError(
            "UPDATE complaint SET address_text=?",
            ("Jl. Sutomo 12, rumah Rina",),
            Exception("database is locked"),
        )

    @app.get("/db-gone")
    async def db_gone() -> None:
        raise sa_exc.DBAPIError(
            "SELECT 1", None, ConnectionResetError("connection was closed"), connection_invalidated=True
        )

    @app.get("/db-integrity")
    async def db_integrity() -> None:
        raise sa_exc.IntegrityError("INSERT INTO widget", None, Exception("duplicate key"))

    @app.get("/unauthorized")
    async def unauthorized() -> None:
        raise Unauthorized(Text("Token tidak sah", "Invalid token"))

    return app


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["type"]
    return body


ENGLISH = {"Accept-Language": "en"}


class TestPickLanguage:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            (None, "id"),
            ("", "id"),
            ("en", "en"),
            ("EN", "en"),
            ("en-US", "en"),
            ("en-GB,en;q=0.9", "en"),
            ("id", "id"),
            ("in", "id"),
            ("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", "id"),
            ("en-US,en;q=0.9,id;q=0.8", "en"),
            ("en;q=0.5, id;q=0.9", "id"),
            ("id;q=0.5, en;q=0.5", "id"),
            ("en;q=0.5, id;q=0.5", "en"),
            ("fr-FR, en;q=0.3", "en"),
            ("fr-FR, de", "id"),
            ("*", "id"),
            ("en;q=0", "id"),
            ("en;q=0.000", "id"),
            ("en;Q=0.2, id;q=0.1", "en"),
            ("en;q=abc", "id"),
            ("en;q=nan", "id"),
            ("en;q=inf", "id"),
            ("en;q=-1", "id"),
            ("en;q=2", "id"),
            ("en;q=", "id"),
            (";;;,,,q=é", "id"),
            ("\x00\xff garbage", "id"),
            ("en" + ",x" * 5000, "en"),
        ],
    )
    def test_header(self, header: str | None, expected: str) -> None:
        assert pick_language(header) == expected


class TestText:
    def test_pick_and_format(self) -> None:
        text = Text("Halo {name}", "Hello {name}").format(name="Siantar")
        assert text.pick("id") == "Halo Siantar"
        assert text.pick("en") == "Hello Siantar"

    def test_localized_value_error_is_a_value_error(self) -> None:
        error = LocalizedValueError(Text("Salah", "Wrong"))
        assert isinstance(error, ValueError)
        assert str(error) == "Wrong"


class TestProblemBody:
    def test_none_members_left_out(self) -> None:
        assert problem_body(400, title="Bad") == {"type": "about:blank", "title": "Bad", "status": 400}

    def test_extra_members_cannot_replace_the_standard_ones(self) -> None:
        spoofed: dict[str, Any] = {"type": "evil", "code": "c"}  # `type_` is the parameter; `type` is free
        body = problem_body(409, title="Konflik", detail="d", instance="/x", **spoofed)
        assert body["status"] == 409
        assert body["type"] == "about:blank"
        assert body["title"] == "Konflik"
        assert body["detail"] == "d"
        assert body["instance"] == "/x"
        assert body["code"] == "c"


class TestAppError:
    async def test_indonesian_by_default(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/reports/404"), 404)
        assert body == {
            "type": PROBLEM_BASE + "report-not-found",
            "title": "Laporan tidak ditemukan",
            "status": 404,
            "detail": "Laporan 404 tidak ada",
            "instance": "/reports/404",
        }

    async def test_english_when_preferred(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/reports/404", headers={"Accept-Language": "en-US,en;q=0.9,id;q=0.5"})
        body = assert_problem(response, 404)
        assert body["title"] == "Report not found"
        assert body["detail"] == "Report 404 does not exist"

    @pytest.mark.parametrize(
        ("header", "title"),
        [
            ("id", "Laporan tidak ditemukan"),
            ("en-US", "Report not found"),
            ("id;q=0.2, en;q=0.8", "Report not found"),
            ("en;q=0.2, id;q=0.8", "Laporan tidak ditemukan"),
            ("zz-garbage;q=x,,;", "Laporan tidak ditemukan"),
        ],
    )
    async def test_accept_language(self, client: httpx.AsyncClient, header: str, title: str) -> None:
        body = assert_problem(await client.get("/reports/404", headers={"Accept-Language": header}), 404)
        assert body["title"] == title

    async def test_without_detail(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/reports/410"), 404)
        assert body["title"] == "Data tidak ditemukan"
        assert "detail" not in body

    async def test_conflict_with_extra_members(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.put("/reports/1/status"), 409)
        assert body["type"] == PROBLEM_BASE + "conflict"
        assert body["title"] == "Bertentangan dengan keadaan saat ini"
        assert body["detail"] == "Laporan sudah ditutup"
        assert body["current_status"] == "closed"

    async def test_conflict_in_english(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.put("/reports/1/status", headers=ENGLISH), 409)
        assert body["title"] == "Conflicts with the current state"
        assert body["detail"] == "The report is already closed"

    async def test_plain_string_detail(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/plain-detail", headers=ENGLISH), 409)
        assert body["detail"] == "versi 3 sudah ada"

    async def test_headers_of_the_error_sent(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/unauthorized")
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'

    async def test_success_untouched(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/reports/7")
        assert response.status_code == 200
        assert response.json() == {"id": 7}


class TestHttpErrors:
    async def test_unknown_route(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/no/such/thing"), 404)
        assert body["title"] == "Alamat tidak ditemukan"
        assert body["instance"] == "/no/such/thing"
        assert "detail" not in body

    async def test_unknown_route_in_english(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/no/such/thing", headers={"Accept-Language": "en-US"}), 404)
        assert body["title"] == "Not found"

    async def test_wrong_method_keeps_allow(self, client: httpx.AsyncClient) -> None:
        response = await client.delete("/reports/1")
        body = assert_problem(response, 405)
        assert body["title"] == "Metode tidak diizinkan"
        assert response.headers["allow"] == "GET"

    @pytest.mark.parametrize(
        ("code", "title"),
        [
            (400, "Permintaan tidak dapat diproses"),
            (403, "Akses ditolak"),
            (409, "Bertentangan dengan keadaan saat ini"),
        ],
    )
    async def test_stock_detail_not_shown_in_english(
        self, client: httpx.AsyncClient, code: int, title: str
    ) -> None:
        """Starlette's default detail is the English reason phrase: it must not appear in an Indonesian answer."""
        body = assert_problem(await client.get(f"/http/{code}"), code)
        assert body["title"] == title
        assert "detail" not in body

    async def test_unlisted_status(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/http/418", headers=ENGLISH), 418)
        assert body["title"] == "Error"

    async def test_own_detail_kept(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.get("/http-detail"), 409)
        assert body["detail"] == "Nomor sudah dipakai"

    @pytest.mark.parametrize("code", [204, 304])
    async def test_no_body_statuses_have_no_body(self, client: httpx.AsyncClient, code: int) -> None:
        response = await client.get(f"/http/{code}")
        assert response.status_code == code
        assert response.content == b""


class TestValidation:
    async def test_fields_listed_with_pointers_in_indonesian(self, client: httpx.AsyncClient) -> None:
        response = await client.post("/reports", json={"title": "ab", "location": {"lat": 91, "lon": 200}})
        body = assert_problem(response, 422)
        assert body["type"] == PROBLEM_BASE + "validation-error"
        assert body["title"] == "Permintaan tidak valid"
        assert body["detail"] == "3 kolom gagal validasi"
        assert body["errors"] == [
            {"pointer": "#/title", "in": "body", "detail": "Terlalu pendek"},
            {"pointer": "#/location/lat", "in": "body", "detail": "Nilainya terlalu besar"},
            {"pointer": "#/location/lon", "in": "body", "detail": "Bujur di luar Kota Pematangsiantar"},
        ]

    async def test_in_english(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/reports",
            json={"title": "ab", "location": {"lat": 91, "lon": 200}},
            headers={"Accept-Language": "en-US"},
        )
        body = assert_problem(response, 422)
        assert body["title"] == "Request is not valid"
        assert body["detail"] == "3 fields failed validation"
        details = {error["pointer"]: error["detail"] for error in body["errors"]}
        assert details["#/location/lon"] == "Longitude outside Pematangsiantar"
        assert details["#/title"].startswith("String should have at least 3 characters")

    async def test_one_field(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.post("/reports", json={"title": "abc"}, headers=ENGLISH), 422)
        assert body["detail"] == "1 field failed validation"
        assert body["errors"] == [{"pointer": "#/location", "in": "body", "detail": "Field required"}]

    async def test_missing_in_indonesian(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(await client.post("/reports", json={"title": "abc"}), 422)
        assert body["errors"] == [{"pointer": "#/location", "in": "body", "detail": "Wajib diisi"}]

    async def test_plain_value_error_keeps_its_message(self, client: httpx.AsyncClient) -> None:
        payload = {"title": "LOUD", "location": {"lat": 1, "lon": 99}}
        body = assert_problem(await client.post("/reports", json=payload, headers=ENGLISH), 422)
        assert body["errors"] == [
            {"pointer": "#/title", "in": "body", "detail": "title must not be all capitals"}
        ]

    async def test_list_items_and_keys(self, client: httpx.AsyncClient) -> None:
        payload = {
            "title": "abc",
            "location": {"lat": 1, "lon": 99},
            "tags": ["ok", 5],
            "meta": {"a/b~c": "x"},
        }
        body = assert_problem(await client.post("/reports", json=payload), 422)
        assert [error["pointer"] for error in body["errors"]] == ["#/tags/1", "#/meta/a~1b~0c"]
        assert body["errors"][0]["detail"] == "Harus berupa teks"

    async def test_query_path_and_header(self, client: httpx.AsyncClient) -> None:
        payload = {"title": "abc", "location": {"lat": 1, "lon": 99}}
        response = await client.post("/reports?limit=abc", json=payload, headers={"X-Tenant": "NOT OK"})
        errors = assert_problem(response, 422)["errors"]
        assert {"pointer": "#/limit", "in": "query", "detail": "Harus berupa bilangan bulat"} in errors
        assert {"pointer": "#/x-tenant", "in": "header", "detail": "Formatnya tidak sesuai"} in errors
        path_error = assert_problem(await client.get("/reports/abc"), 422)["errors"]
        assert path_error == [
            {"pointer": "#/report_id", "in": "path", "detail": "Harus berupa bilangan bulat"}
        ]

    async def test_limit_out_of_range(self, client: httpx.AsyncClient) -> None:
        payload = {"title": "abc", "location": {"lat": 1, "lon": 99}}
        errors = assert_problem(await client.post("/reports?limit=101", json=payload), 422)["errors"]
        assert errors == [{"pointer": "#/limit", "in": "query", "detail": "Nilainya terlalu besar"}]

    async def test_malformed_json_points_at_the_body(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/reports", content=b'{"title": ', headers={"Content-Type": "application/json"}
        )
        errors = assert_problem(response, 422)["errors"]
        assert errors == [{"pointer": "#", "in": "body", "detail": "Bukan JSON yang sah"}]

    async def test_missing_body_points_at_the_body(self, client: httpx.AsyncClient) -> None:
        errors = assert_problem(await client.post("/reports"), 422)["errors"]
        assert errors == [{"pointer": "#", "in": "body", "detail": "Wajib diisi"}]

    @pytest.mark.parametrize("payload", [[], "text", 12, None])
    async def test_wrong_body_type(self, client: httpx.AsyncClient, payload: object) -> None:
        errors = assert_problem(await client.post("/reports", json=payload), 422)["errors"]
        assert errors[0]["in"] == "body"

    def test_field_errors_tolerates_odd_entries(self) -> None:
        errors = [{}, {"loc": ("weird", 3), "type": "nonexistent_type", "msg": "Odd"}]
        assert field_errors(errors, "id") == [
            {"pointer": "#", "in": "body", "detail": ""},
            {"pointer": "#/weird/3", "in": "weird", "detail": "Odd"},
        ]


class TestUnhandled:
    @pytest.mark.parametrize("path", ["/boom", "/sync-boom"])
    async def test_500_without_internals(
        self, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, path: str
    ) -> None:
        with caplog.at_level(logging.ERROR, logger="siantar_shared.errors"):
            response = await client.get(path, headers={"X-Request-ID": "trace-500"})
        body = assert_problem(response, 500)
        assert body["type"] == PROBLEM_BASE + "internal-error"
        assert body["title"] == "Terjadi kesalahan pada server"
        assert "X-Request-ID" in body["detail"]
        assert response.headers["x-request-id"] == "trace-500"
        for secret in ("hunter2", "Traceback", "RuntimeError", "KeyError", LEAKY_MESSAGE):
            assert secret not in response.text
        assert any(record.exc_info for record in caplog.records)  # the cause is logged, not shown

    async def test_500_in_english_with_fresh_request_id(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/boom", headers=ENGLISH)
        body = assert_problem(response, 500)
        assert body["title"] == "Internal server error"
        assert len(response.headers["x-request-id"]) == 36

    async def test_app_error_base_class_is_500(self) -> None:
        app = FastAPI()
        install_error_handlers(app)

        @app.get("/")
        async def fail() -> None:
            raise AppError()

        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            body = assert_problem(await client.get("/"), 500)
        assert body["title"] == "Terjadi kesalahan pada server"


class TestDatabaseUnavailable:
    """A database that is busy (SQLite's writer lock), gone (a restart) or out of pool connections is a 503
    with Retry-After: the transaction rolled back and the client may send the request again."""

    @pytest.mark.parametrize("path", ["/db-busy", "/db-gone"])
    async def test_503_with_retry_after(self, client: httpx.AsyncClient, path: str) -> None:
        response = await client.get(path, headers=ENGLISH)
        body = assert_problem(response, 503)
        assert body["type"] == PROBLEM_BASE + "service-unavailable"
        assert "nothing was saved" in body["detail"]
        assert response.headers["retry-after"] == "1"
        for secret in ("address_text", "Sutomo", "locked", "OperationalError"):
            assert secret not in response.text

    async def test_other_database_errors_stay_500(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/db-integrity"), 500)

    def test_which_errors_are_transient(self) -> None:
        assert database_unavailable(sa_exc.TimeoutError("QueuePool limit reached"))
        assert database_unavailable(sa_exc.OperationalError("x", None, Exception("deadlock detected")))
        assert not database_unavailable(sa_exc.IntegrityError("x", None, Exception("duplicate")))
        assert not database_unavailable(sa_exc.DBAPIError("x", None, Exception("syntax error")))
        assert not database_unavailable(RuntimeError("boom"))

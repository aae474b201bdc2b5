"""Keyset pagination and sorting: every row exactly once, in order, whatever the directions; bad input refused.

Runs on PostgreSQL when TEST_DATABASE_URL is set, else on a temporary SQLite file.
"""

import base64
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import MetaData, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from siantar_shared.db import NAMING_CONVENTION, SessionDep, UTCDateTime, make_engine, make_sessionmaker
from siantar_shared.errors import PROBLEM_BASE, PROBLEM_JSON, install_error_handlers
from siantar_shared.pagination import (
    MAX_LIMIT,
    CursorQuery,
    InvalidCursor,
    Page,
    SortKey,
    decode_cursor,
    encode_cursor,
    paginate,
)
from siantar_shared.sorting import MAX_SORT_FIELDS, InvalidSorting, Sort, parse_sorting, sorting_getter
from siantar_shared.testing.databases import fresh_database
from siantar_shared.testing.plugin import StateInjector

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
ROWS = 25
BASE_TIME = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
SOME_ID = "6f1c2b0e-5d7a-4c3b-9e21-0a8f4d6b7c11"  # fixed, so that xdist workers collect the same test ids


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Item(Base):
    __tablename__ = "item"
    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    rank: Mapped[int]
    label: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ItemSort(StrEnum):
    rank = "rank"
    label = "label"
    created_at = "created_at"


COLUMNS = {ItemSort.rank: Item.rank, ItemSort.label: Item.label, ItemSort.created_at: Item.created_at}
ItemSorting = Annotated[list[Sort[ItemSort]], Depends(sorting_getter(ItemSort, ["-created_at"]))]


def sort_keys(sorting: list[Sort[ItemSort]]) -> list[SortKey]:
    return [SortKey(COLUMNS[s.field], s.descending) for s in sorting] + [SortKey(Item.id, False)]  # type: ignore[arg-type]


def build_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/items")
    async def list_items(
        pagination: CursorQuery, sorting: ItemSorting, session: SessionDep
    ) -> Page[dict[str, Any]]:
        """One page of items."""
        items, next_cursor = await paginate(session, select(Item), pagination, sort_keys(sorting))
        return Page(items=[{"id": str(i.id), "rank": i.rank} for i in items], next_cursor=next_cursor)

    return app


def seed_rows() -> list[Item]:
    """25 rows with many equal sort values, so that the id must break ties."""
    labels = ["alpha", "bravo", "charlie", "delta"]
    return [
        Item(
            id=uuid4(),
            rank=n % 3,
            label=labels[n % 4],
            created_at=BASE_TIME + timedelta(minutes=n % 5),
        )
        for n in range(ROWS)
    ]


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_database(f"shared_pagination_{WORKER}") as url:
        engine = make_engine(url, app_name="test.shared-pagination")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield engine
        await engine.dispose()


@pytest.fixture(scope="module")
async def rows(engine: AsyncEngine) -> list[Item]:
    rows = seed_rows()
    async with make_sessionmaker(engine)() as session:
        session.add_all(rows)
        await session.commit()
    return rows


@pytest.fixture(scope="module")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture(scope="module")
async def client(
    sessionmaker: async_sessionmaker[AsyncSession], rows: list[Item]
) -> AsyncIterator[httpx.AsyncClient]:
    app = StateInjector(build_app(), {"sessionmaker": sessionmaker})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


def expected_order(rows: list[Item], sorting: str) -> list[str]:
    """The order the database must produce, computed in Python: stable sorts from the last key to the first."""
    ordered = sorted(rows, key=lambda row: row.id)
    for part in reversed([p for p in sorting.split(",") if p]):
        name = part.removeprefix("-")
        ordered.sort(key=lambda row, name=name: getattr(row, name), reverse=part.startswith("-"))  # type: ignore[misc]
    return [str(row.id) for row in ordered]


async def walk(client: httpx.AsyncClient, limit: int, sorting: str | None) -> tuple[list[str], int]:
    """Follow next_cursor to the end; the ids seen and the number of pages."""
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit} | ({"sorting": sorting} if sorting else {})
    pages = 0
    while True:
        response = await client.get("/items", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return seen, pages
        assert len(body["items"]) == limit
        params["cursor"] = body["next_cursor"]
        assert pages <= ROWS + 1, "pagination does not end"


def b64(value: object) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    if slug is not None:
        assert body["type"] == PROBLEM_BASE + slug
    return body


class TestKeysetPages:
    @pytest.mark.parametrize(
        "sorting",
        [
            "rank",
            "-rank",
            "created_at",
            "-created_at",
            "rank,-created_at",
            "-rank,created_at",
            "-rank,label",
            "label,-rank,created_at",
            "-label,-rank,-created_at",
        ],
    )
    @pytest.mark.parametrize("limit", [1, 4, 7, 24, 25, 100])
    async def test_every_row_once_in_order(
        self, client: httpx.AsyncClient, rows: list[Item], sorting: str, limit: int
    ) -> None:
        seen, pages = await walk(client, limit, sorting)
        assert seen == expected_order(rows, sorting)
        assert len(set(seen)) == ROWS
        assert pages == -(-ROWS // limit)  # no empty last page

    async def test_default_sorting(self, client: httpx.AsyncClient, rows: list[Item]) -> None:
        seen, _ = await walk(client, 6, None)
        assert seen == expected_order(rows, "-created_at")

    async def test_exact_multiple_of_the_limit(self, client: httpx.AsyncClient) -> None:
        first = (await client.get("/items", params={"limit": ROWS})).json()
        assert len(first["items"]) == ROWS
        assert first["next_cursor"] is None  # no empty last page

    async def test_default_limit(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/items")).json()
        assert len(body["items"]) == ROWS
        assert body["next_cursor"] is None

    async def test_rows_added_behind_the_cursor_do_not_repeat(
        self, client: httpx.AsyncClient, sessionmaker: async_sessionmaker[AsyncSession], rows: list[Item]
    ) -> None:
        first = (await client.get("/items", params={"limit": 10, "sorting": "rank"})).json()
        newcomer = Item(
            rank=-1, label="alpha", created_at=BASE_TIME
        )  # sorts before everything already served
        async with sessionmaker() as session:
            session.add(newcomer)
            await session.commit()
        try:
            seen = [item["id"] for item in first["items"]]
            params = {"limit": 10, "sorting": "rank", "cursor": first["next_cursor"]}
            while params["cursor"]:
                body = (await client.get("/items", params=params)).json()
                seen += [item["id"] for item in body["items"]]
                params["cursor"] = body["next_cursor"]
            assert seen == expected_order(rows, "rank")
        finally:
            async with sessionmaker() as session:
                await session.execute(delete(Item).where(Item.id == newcomer.id))
                await session.commit()

    async def test_count_unchanged(
        self, sessionmaker: async_sessionmaker[AsyncSession], rows: list[Item]
    ) -> None:
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Item)) == ROWS


class TestBadInput:
    @pytest.mark.parametrize("limit", ["0", "-1", str(MAX_LIMIT + 1), "1000000", "abc", "1.5", ""])
    async def test_limit_out_of_range(self, client: httpx.AsyncClient, limit: str) -> None:
        body = assert_problem(await client.get("/items", params={"limit": limit}), 422, "validation-error")
        assert body["errors"][0]["pointer"] == "#/limit"
        assert body["errors"][0]["in"] == "query"

    async def test_limit_at_the_maximum(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/items", params={"limit": MAX_LIMIT})).status_code == 200

    async def test_cursor_too_long(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/items", params={"cursor": "A" * 2000}), 422, "validation-error")

    @pytest.mark.parametrize(
        "cursor",
        [
            pytest.param("garbage!!", id="not-base64"),
            pytest.param("%%%", id="percent-signs"),
            pytest.param("é", id="non-ascii"),
            pytest.param(b64(b"not json"), id="not-json"),
            pytest.param(b64(b"\xff\xfe\xfd"), id="not-utf8"),
            pytest.param(b64({"a": 1}), id="object"),
            pytest.param(b64("a string"), id="string"),
            pytest.param(b64(5), id="number"),
            pytest.param(b64(None), id="null"),
            pytest.param(b64([]), id="empty"),
            pytest.param(b64([1, 2]), id="untagged"),
            pytest.param(b64([[1], [2]]), id="nested-lists"),
            pytest.param(b64([{"v": 1}]), id="too-few-values"),
            pytest.param(b64([{"v": 1}, {"v": 2}, {"v": 3}]), id="too-many-values"),
            pytest.param(b64([{"x": 1}, {"u": SOME_ID}]), id="unknown-tag"),
            pytest.param(b64([{"d": "yesterday"}, {"u": SOME_ID}]), id="bad-timestamp"),
            pytest.param(b64([{"d": "2026-01-01T00:00:00"}, {"u": SOME_ID}]), id="naive-timestamp"),
            pytest.param(b64([{"d": 5}, {"u": SOME_ID}]), id="timestamp-number"),
            pytest.param(b64([{"d": "2026-01-01T00:00:00+00:00"}, {"u": "not-a-uuid"}]), id="bad-uuid"),
            pytest.param(b64([{"d": "2026-01-01T00:00:00+00:00"}, {"v": "abc"}]), id="string-for-uuid"),
            pytest.param(
                b64([{"v": "2026-01-01T00:00:00+00:00"}, {"u": SOME_ID}]), id="string-for-timestamp"
            ),
            pytest.param(b64([{"v": [1, 2]}, {"u": SOME_ID}]), id="list-value"),
            pytest.param(b64([{"v": {"a": 1}}, {"u": SOME_ID}]), id="object-value"),
            pytest.param(b64([{"v": None}, {"u": SOME_ID}]), id="null-value"),
            pytest.param(b64([{"d": "2026-01-01T00:00:00+00:00", "v": 1}, {"u": SOME_ID}]), id="two-tags"),
            pytest.param(base64.urlsafe_b64encode(b'[{"v": NaN}, {"v": 1}]').decode(), id="nan"),
        ],
    )
    async def test_bad_cursor_is_400(self, client: httpx.AsyncClient, cursor: str) -> None:
        response = await client.get("/items", params={"cursor": cursor})
        body = assert_problem(response, 400, "invalid-cursor")
        assert body["title"] == "Kursor halaman tidak sah"

    @pytest.mark.parametrize(
        "values",
        [
            pytest.param([{"v": "1"}, {"u": SOME_ID}], id="string"),
            pytest.param([{"v": True}, {"u": SOME_ID}], id="boolean"),
            pytest.param([{"v": 1.5}, {"u": SOME_ID}], id="float"),
            pytest.param([{"v": 2**70}, {"u": SOME_ID}], id="beyond-bigint"),
            pytest.param([{"n": "1"}, {"u": SOME_ID}], id="decimal"),
        ],
    )
    async def test_cursor_of_the_wrong_types_is_400(self, client: httpx.AsyncClient, values: object) -> None:
        response = await client.get("/items", params={"sorting": "rank", "cursor": b64(values)})
        assert_problem(response, 400, "invalid-cursor")

    async def test_cursor_from_another_sorting(self, client: httpx.AsyncClient) -> None:
        cursor = (await client.get("/items", params={"limit": 3, "sorting": "rank"})).json()["next_cursor"]
        response = await client.get("/items", params={"cursor": cursor, "sorting": "rank,label"})
        assert_problem(response, 400, "invalid-cursor")
        response = await client.get("/items", params={"cursor": cursor, "sorting": "label"})
        assert_problem(response, 400, "invalid-cursor")  # same width, but a number where a label goes

    async def test_cursor_problem_in_english(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/items", params={"cursor": "!!"}, headers={"Accept-Language": "en"})
        assert assert_problem(response, 400)["title"] == "Invalid page cursor"

    @pytest.mark.parametrize(
        "sorting",
        [
            "unknown",
            "rank,unknown",
            "-id",
            "--rank",
            "rank,",
            ",",
            "rank,-rank",
            "rank,rank",
            "Rank",
            "rank;drop table item",
            "rank,label,created_at,rank",
        ],
    )
    async def test_bad_sorting_is_422_problem(self, client: httpx.AsyncClient, sorting: str) -> None:
        body = assert_problem(await client.get("/items", params={"sorting": sorting}), 422, "invalid-sorting")
        assert body["title"] == "Urutan tidak sah"

    async def test_sorting_problem_lists_the_choices(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/items", params={"sorting": "nope"}, headers={"Accept-Language": "en"})
        body = assert_problem(response, 422, "invalid-sorting")
        assert body["detail"] == "Unknown sorting 'nope'; use: rank, label, created_at"

    async def test_sorting_too_long(self, client: httpx.AsyncClient) -> None:
        assert_problem(await client.get("/items", params={"sorting": "rank," * 100}), 422, "validation-error")


class TestSorting:
    def test_parse(self) -> None:
        assert parse_sorting(ItemSort, ["-created_at", " label".strip()]) == [
            Sort(ItemSort.created_at, True),
            Sort(ItemSort.label, False),
        ]

    def test_too_many_fields(self) -> None:
        class Wide(StrEnum):
            a = "a"
            b = "b"
            c = "c"
            d = "d"

        with pytest.raises(InvalidSorting):
            parse_sorting(Wide, ["a", "b", "c", "d"][: MAX_SORT_FIELDS + 1])

    def test_bad_default_fails_at_definition(self) -> None:
        with pytest.raises(ValueError, match="invalid default sorting"):
            sorting_getter(ItemSort, ["-nonexistent"])

    def test_empty_default_allowed(self) -> None:
        assert sorting_getter(ItemSort, [])() == []

    def test_getter_uses_default_when_absent(self) -> None:
        get = sorting_getter(ItemSort, ["-created_at"])
        assert get() == [Sort(ItemSort.created_at, True)]
        assert get("") == [Sort(ItemSort.created_at, True)]
        assert get(" rank , -label ") == [Sort(ItemSort.rank, False), Sort(ItemSort.label, True)]


class TestCursorCodec:
    @pytest.mark.parametrize(
        "values",
        [
            [datetime(2026, 1, 1, 7, 0, tzinfo=UTC), UUID(SOME_ID)],
            [1, "teks", 2.5, True],
            [date(2026, 12, 25), Decimal("12.50")],
            [ItemSort.rank, 0],
        ],
    )
    def test_round_trip(self, values: list[Any]) -> None:
        cursor = encode_cursor(values)
        assert "=" not in cursor
        assert decode_cursor(cursor, len(values)) == values

    def test_unsupported_value(self) -> None:
        with pytest.raises(TypeError):
            encode_cursor([object()])

    def test_width_checked(self) -> None:
        with pytest.raises(InvalidCursor):
            decode_cursor(encode_cursor([1, 2]), 3)

    def test_url_safe(self) -> None:
        cursor = encode_cursor(["???>>>~~~" * 5])
        assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

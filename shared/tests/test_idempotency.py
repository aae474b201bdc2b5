import asyncio
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from siantar_shared import idempotency
from siantar_shared.db import (
    make_read_sessionmaker,
    make_sessionmaker,
    make_single_statement_sessionmaker,
    utcnow,
)
from siantar_shared.idempotency import (
    IdempotencyState,
    fingerprint,
    parse_body,
    purge_expired,
    scope_hash,
)
from siantar_shared.platform_models import PlatformModels
from siantar_shared.testing.plugin import StateInjector
from siantar_shared.testing.tokens import TestKeys

WIDGETS = "/testsvc/v1/widgets"
PROBLEMS = "https://api.siantar.example/problems/"


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid4())}


async def count(session: AsyncSession, model: Any) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def assert_problem(response: httpx.Response, status: int, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == PROBLEMS + slug


class TestReplay:
    async def test_same_request_replays_the_first_answer(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, platform: PlatformModels
    ) -> None:
        headers = key()
        first = await client.post(WIDGETS, json={"name": "bangku taman"}, headers=headers)
        again = await client.post(WIDGETS, json={"name": "bangku taman"}, headers=headers)

        assert first.status_code == again.status_code == 201
        assert again.json() == first.json()
        for header in ("content-type", "location", "etag"):
            assert again.headers[header] == first.headers[header]
        assert "idempotent-replayed" not in first.headers
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["x-request-id"] != first.headers["x-request-id"]
        assert await count(session, widget_model) == 1
        assert await count(session, platform.outbox_event) == 1

    async def test_json_is_compared_canonically(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any
    ) -> None:
        headers = {**key(), "Content-Type": "application/json"}
        await client.post(WIDGETS, content=b'{"name": "a", "extra": [1, 2]}', headers=headers)
        again = await client.post(WIDGETS, content=b'{"extra":[1,2],"name":"a"}', headers=headers)

        assert again.headers["idempotent-replayed"] == "true"
        assert await count(session, widget_model) == 1

    async def test_without_a_key_the_work_is_done_each_time(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, platform: PlatformModels
    ) -> None:
        for _ in range(2):
            assert (await client.post(WIDGETS, json={"name": "a"})).status_code == 201
        assert await count(session, widget_model) == 2
        assert await count(session, platform.idempotency) == 0

    async def test_other_methods_pass_through(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/livez", headers={"Idempotency-Key": ""})
        assert response.status_code == 200

    async def test_validation_errors_are_replayed_too(
        self, client: httpx.AsyncClient, platform: PlatformModels, session: AsyncSession
    ) -> None:
        headers = key()
        first = await client.post(WIDGETS, json={"nama": "a"}, headers=headers)
        again = await client.post(WIDGETS, json={"nama": "a"}, headers=headers)

        assert first.status_code == again.status_code == 422
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json() == first.json()


class TestRefusals:
    async def test_same_key_other_request_is_422(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any
    ) -> None:
        headers = key()
        await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        response = await client.post(WIDGETS, json={"name": "b"}, headers=headers)

        assert_problem(response, 422, "idempotency-key-reused")
        assert await count(session, widget_model) == 1

    async def test_same_key_other_query_is_422(self, client: httpx.AsyncClient) -> None:
        headers = key()
        await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        response = await client.post(f"{WIDGETS}?dry_run=1", json={"name": "a"}, headers=headers)
        assert_problem(response, 422, "idempotency-key-reused")

    @pytest.mark.parametrize(
        "value",
        [b"", b"k" * 256, "kunci-\u00e9".encode(), "\u30ad\u30fc".encode(), b"abc\x01def", b"tab\there"],
        ids=["empty", "256-chars", "latin-1", "utf-8", "control", "tab"],
    )
    async def test_malformed_key_is_400(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, value: bytes
    ) -> None:
        response = await client.post(WIDGETS, json={"name": "a"}, headers={b"Idempotency-Key": value})
        assert_problem(response, 400, "invalid-idempotency-key")
        assert await count(session, widget_model) == 0

    async def test_key_sent_twice_is_400(self, client: httpx.AsyncClient) -> None:
        headers = [("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
        response = await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        assert_problem(response, 400, "invalid-idempotency-key")

    async def test_longest_printable_key_is_accepted(self, client: httpx.AsyncClient) -> None:
        value = "".join(chr(c) for c in range(0x20, 0x7F)) * 3
        response = await client.post(WIDGETS, json={"name": "a"}, headers={"Idempotency-Key": value[:255]})
        assert response.status_code == 201


class TestCallers:
    async def test_token_subjects_are_independent(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, test_keys: TestKeys
    ) -> None:
        headers = key()
        alice = {**headers, "Authorization": f"Bearer {test_keys.mint()}"}
        bob = {**headers, "Authorization": f"Bearer {test_keys.mint()}"}
        for caller in (alice, bob, alice):
            assert (await client.post(WIDGETS, json={"name": "a"}, headers=caller)).status_code == 201

        assert await count(session, widget_model) == 2

    async def test_a_new_token_for_the_same_subject_replays(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, test_keys: TestKeys
    ) -> None:
        subject, headers = uuid4(), key()
        for _ in range(2):
            token = test_keys.mint(subject=subject)
            await client.post(
                WIDGETS, json={"name": "a"}, headers={**headers, "Authorization": f"Bearer {token}"}
            )
        assert await count(session, widget_model) == 1

    async def test_invalid_token_records_nothing(
        self, client: httpx.AsyncClient, session: AsyncSession, platform: PlatformModels
    ) -> None:
        headers = {**key(), "Authorization": "Bearer not-a-token"}
        response = await client.post(WIDGETS, json={"name": "a"}, headers=headers)

        assert_problem(response, 401, "unauthorized")
        assert await count(session, platform.idempotency) == 0

    async def test_api_keys_are_independent(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any
    ) -> None:
        headers = key()
        for api_key in ("kunci-a", "kunci-b", "kunci-a"):
            form = {"api_key": api_key, "service_code": "001"}
            assert (await client.post("/testsvc/v1/raw", data=form, headers=headers)).status_code == 201
        in_query = await client.post(
            "/testsvc/v1/raw?api_key=kunci-c", data={"service_code": "001"}, headers=headers
        )

        assert in_query.status_code == 201
        assert await count(session, widget_model) == 3

    async def test_anonymous_callers_are_scoped_by_ip(
        self, app: FastAPI, app_state: dict[str, Any], session: AsyncSession, widget_model: Any
    ) -> None:
        headers = key()
        for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.1"):
            transport = httpx.ASGITransport(app=StateInjector(app, app_state), client=(ip, 4000))
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        assert await count(session, widget_model) == 2


class TestMultipart:
    async def test_retry_with_another_boundary_replays(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any
    ) -> None:
        headers = key()
        files = {"document": ("denah.pdf", b"%PDF-1.7\r\n\x00\xff binary\r\n--not-a-boundary")}
        responses = []
        for boundary in ("boundary-one", "another-boundary-2"):
            content_type = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
            responses.append(
                await client.post(
                    "/testsvc/v1/raw", data={"title": "IMB"}, files=files, headers={**headers, **content_type}
                )
            )

        assert responses[1].headers["idempotent-replayed"] == "true"
        assert responses[1].json() == responses[0].json()
        assert await count(session, widget_model) == 1

    async def test_another_file_is_another_request(self, client: httpx.AsyncClient) -> None:
        headers = key()
        await client.post("/testsvc/v1/raw", files={"f": ("a.txt", b"one")}, headers=headers)
        response = await client.post("/testsvc/v1/raw", files={"f": ("a.txt", b"two")}, headers=headers)
        assert_problem(response, 422, "idempotency-key-reused")

    def test_fields_and_file_hashes_are_what_counts(self) -> None:
        body = (
            b'--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nIMB\r\n'
            b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\nline\r\n\r\n--XyZ--\r\n"
        )
        parsed = parse_body("multipart/form-data; boundary=XyZ", body)
        assert parsed == {
            "multipart": [["f", "a.txt", hashlib.sha256(b"line\r\n").hexdigest()], ["title", "IMB"]]
        }
        assert "raw" in parse_body("multipart/form-data; boundary=XyZ", body[:-9])  # no closing delimiter


class TestInFlight:
    async def insert_claim(
        self, session: AsyncSession, platform: PlatformModels, subject: Any, idem_key: str, *, age: timedelta
    ) -> None:
        body = b'{"name":"a"}'
        now = utcnow()
        session.add(
            platform.idempotency(
                scope_hash=scope_hash(f"sub:{subject}", "POST", WIDGETS, idem_key),
                fingerprint=fingerprint("application/json", b"", body),
                state=IdempotencyState.in_flight,
                locked_at=now - age,
                created_at=now - age,
                expires_at=now + timedelta(hours=24),
            )
        )
        await session.flush()

    async def test_duplicate_in_flight_is_409(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        platform: PlatformModels,
        widget_model: Any,
        test_keys: TestKeys,
    ) -> None:
        subject, idem_key = uuid4(), str(uuid4())
        await self.insert_claim(session, platform, subject, idem_key, age=timedelta(seconds=5))
        headers = {"Idempotency-Key": idem_key, "Authorization": f"Bearer {test_keys.mint(subject=subject)}"}
        response = await client.post(WIDGETS, json={"name": "a"}, headers=headers)

        assert_problem(response, 409, "idempotency-request-in-flight")
        assert response.headers["retry-after"] == "1"
        assert await count(session, widget_model) == 0

    async def test_stale_claim_is_taken_over(
        self,
        client: httpx.AsyncClient,
        session: AsyncSession,
        platform: PlatformModels,
        widget_model: Any,
        test_keys: TestKeys,
    ) -> None:
        subject, idem_key = uuid4(), str(uuid4())
        await self.insert_claim(session, platform, subject, idem_key, age=timedelta(minutes=2))
        headers = {"Idempotency-Key": idem_key, "Authorization": f"Bearer {test_keys.mint(subject=subject)}"}
        first = await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        again = await client.post(WIDGETS, json={"name": "a"}, headers=headers)

        assert first.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        assert await count(session, widget_model) == 1


class TestFailures:
    async def test_5xx_is_not_stored(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, platform: PlatformModels
    ) -> None:
        headers = key()
        responses = [await client.post("/testsvc/v1/flaky", headers=headers) for _ in range(2)]

        assert [r.status_code for r in responses] == [503, 503]
        assert "idempotent-replayed" not in responses[1].headers
        assert await count(session, widget_model) == 2
        assert await count(session, platform.idempotency) == 0

    async def test_no_store_answers_are_never_kept(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, platform: PlatformModels
    ) -> None:
        headers = key()
        first, second = [await client.post("/testsvc/v1/secret", headers=headers) for _ in range(2)]

        assert (first.status_code, second.status_code) == (201, 201)
        assert first.json()["secret"] != second.json()["secret"]
        assert "idempotent-replayed" not in second.headers
        assert await count(session, widget_model) == 2
        assert await count(session, platform.idempotency) == 0

    async def test_exception_is_not_stored(
        self, client: httpx.AsyncClient, session: AsyncSession, platform: PlatformModels
    ) -> None:
        headers = key()
        for _ in range(2):
            response = await client.post("/testsvc/v1/crash", headers=headers)
            assert_problem(response, 500, "internal-error")
            assert "x-request-id" in response.headers
        assert await count(session, platform.idempotency) == 0


class TestExpiry:
    async def test_purge_after_ttl(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, platform: PlatformModels
    ) -> None:
        headers = key()
        await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        record = await session.scalar(select(platform.idempotency))
        assert record is not None
        assert record.expires_at - record.created_at == timedelta(hours=24)

        assert await purge_expired(session, platform.idempotency, now=utcnow() + timedelta(hours=23)) == 0
        assert await purge_expired(session, platform.idempotency, now=utcnow() + timedelta(hours=25)) == 1
        again = await client.post(WIDGETS, json={"name": "a"}, headers=headers)

        assert "idempotent-replayed" not in again.headers
        assert await count(session, widget_model) == 2

    async def test_expired_record_is_taken_over_even_for_another_request(
        self, client: httpx.AsyncClient, session: AsyncSession, widget_model: Any, platform: PlatformModels
    ) -> None:
        headers = key()
        await client.post(WIDGETS, json={"name": "a"}, headers=headers)
        await session.execute(update(platform.idempotency).values(expires_at=utcnow() - timedelta(seconds=1)))
        response = await client.post(WIDGETS, json={"name": "b"}, headers=headers)

        assert response.status_code == 201
        assert await count(session, widget_model) == 2
        assert await count(session, platform.idempotency) == 1


@pytest.fixture
async def committed_client(
    app: FastAPI, engine: AsyncEngine, test_keys: TestKeys, platform: PlatformModels, widget_model: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests really commit, each on its own connection; the tables are emptied after."""
    sessionmaker = make_sessionmaker(engine)
    async with httpx.AsyncClient(transport=test_keys.transport()) as jwks:
        state = {
            "settings": app.state.settings,
            "engine": engine,
            "sessionmaker": sessionmaker,
            # as the app has it: claims and records in autocommit on PostgreSQL
            "single_statement_sessionmaker": make_single_statement_sessionmaker(engine, sessionmaker),
            "token_verifier": test_keys.verifier(jwks),
        }
        transport = httpx.ASGITransport(app=StateInjector(app, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    async with sessionmaker.begin() as session:
        for model in (platform.idempotency, platform.outbox_event, platform.outbox_sequence, widget_model):
            await session.execute(delete(model))


async def test_concurrent_duplicate_gets_409_or_waits_then_the_replay(
    committed_client: httpx.AsyncClient, app: FastAPI, engine: AsyncEngine, platform: PlatformModels
) -> None:
    headers = key()
    first = asyncio.create_task(committed_client.post("/testsvc/v1/slow", headers=headers))
    async with make_read_sessionmaker(engine)() as session:  # a reader: never waits for a SQLite turn
        for _ in range(100):
            if await session.scalar(select(func.count()).select_from(platform.idempotency)):
                break
            await asyncio.sleep(0.01)
    second = asyncio.create_task(committed_client.post("/testsvc/v1/slow", headers=headers))
    # PostgreSQL answers the duplicate at once; on SQLite its claim waits for the first request's session to end
    # (sessions take turns there: db.TurnTakingSession), and it then finds the first one's answer
    answered_at_once, _ = await asyncio.wait({second}, timeout=0.5)
    app.state.gate.set()
    duplicate, done = await second, await first
    replay = await committed_client.post("/testsvc/v1/slow", headers=headers)

    if engine.dialect.name == "postgresql":
        assert answered_at_once
        assert_problem(duplicate, 409, "idempotency-request-in-flight")
    else:
        assert not answered_at_once
        assert duplicate.json() == done.json()
        assert duplicate.headers["idempotent-replayed"] == "true"
    assert done.status_code == replay.status_code == 201
    assert replay.json() == done.json()
    assert replay.headers["idempotent-replayed"] == "true"


MEDIA_TYPES = [
    "application/json", "Application/JSON", "application/json; charset=utf-8", "application/json;charset=UTF-8",
    "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "application/json; a=b; A=c",
    "application/json;", "application/json; ;", "application/x-www-form-urlencoded", "application/problem+json",
    "application/vnd.api+json; Version=2", "foo", "", "application/", "/json", "a/b/c", "application/json; x",
    "application/json; x=", "application/json ; charset = utf-8", 'text/plain; charset="utf-8"',
    'multipart/form-data; boundary="a b"', "application/json (comment)", " application/json ", "text/html;level=1",
]  # fmt: skip


@pytest.mark.parametrize("content_type", MEDIA_TYPES)
def test_media_type_as_the_email_parser_reads_it(content_type: str) -> None:
    # the hand split serves the usual header; whatever it serves must be what the parser says
    assert idempotency._media_type(content_type) == idempotency._parsed_media_type(content_type)


def test_the_usual_media_types_skip_the_parser() -> None:
    for content_type in ("application/json", "multipart/form-data; boundary=x-1", "text/plain;charset=UTF-8"):
        assert idempotency._simple_media_type(content_type) is not None

"""`Idempotency-Key` on POST: a retried request gets the first answer instead of doing the work twice.

The rules:

- Only a POST carrying the header is affected; every other request passes through untouched (and streaming).
- The key is 1-255 printable ASCII characters (space to `~`), sent once; otherwise a 400 problem
  (`invalid-idempotency-key`). Clients should use a random UUID per operation.
- A key is scoped by caller, method and path. The caller is, in this order: the subject of a valid bearer
  token; the SHA-256 of an `api_key` in the query string or form body (Open311 clients); else the client IP
  as the ASGI server reports it (the gateway's `X-Forwarded-For` only if the server trusts the gateway's
  address). Anonymous clients behind one address therefore share a scope; a replay still needs the same
  key and the same request, so keys must be unguessable. An invalid bearer token records nothing: the
  endpoint answers 401 itself.
- "The same request" means the same fingerprint: a SHA-256 of the query parameters and the parsed body
  (JSON canonicalised with sorted keys and no whitespace; form fields sorted; multipart fields plus the
  SHA-256 of each file, never the raw bytes, since the boundary changes between retries).
- Same key, same request, finished: the stored answer (status, body, Content-Type, Location, ETag) is
  replayed with `Idempotent-Replayed: true`. Same key, other request: 422 (`idempotency-key-reused`).
  Same key still being processed: 409 (`idempotency-request-in-flight`); after `lock_timeout` (a crashed
  worker) the next retry takes the key over and does the work.
- An answer with status >= 500 or 429, or an exception before the answer is complete, deletes the record,
  so that a retry does the work again. Every other answer, 4xx included, is kept.
- Records live `IDEMPOTENCY_TTL_HOURS` (at least 24 hours), then `purge_expired` deletes them (the
  `purge-idempotency-keys` job). They hold response bodies, which may carry personal data: that is why the
  retention is short and the scope (key included) is stored only as a hash.

The middleware claims a key in one short committed transaction (the UNIQUE `scope_hash` decides races
between replicas) and stores the answer in another; the endpoint's own transaction sits between them.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import HeaderParser
from email.policy import HTTP
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl
from uuid import UUID, uuid4

from fastapi import Request
from sqlalchemy import JSON, CursorResult, LargeBinary, Result, String, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from siantar_shared.auth import TokenVerifier, bearer_token
from siantar_shared.db import UTCDateTime, insert_row, read_rows, unit_of_work, utcnow
from siantar_shared.errors import PROBLEM_BASE, AppError, problem_response
from siantar_shared.i18n import Text

REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = frozenset({"content-type", "location", "etag"})
DEFAULT_TTL = timedelta(hours=24)
DEFAULT_LOCK_TIMEOUT = timedelta(seconds=60)
MAX_BODY_BYTES = 32 * 1024 * 1024
_KEY = re.compile(r"[\x20-\x7e]{1,255}")
_CLAIM_ATTEMPTS = 3
logger = logging.getLogger("siantar_shared.idempotency")
Sessions = async_sessionmaker[AsyncSession]


class InvalidIdempotencyKey(AppError):
    status, slug = 400, "invalid-idempotency-key"
    title = Text("Idempotency-Key tidak sah", "Invalid Idempotency-Key")


class IdempotencyKeyReused(AppError):
    status, slug = 422, "idempotency-key-reused"
    title = Text(
        "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda",
        "This Idempotency-Key was already used for a different request",
    )


class IdempotencyRequestInFlight(AppError):
    status, slug = 409, "idempotency-request-in-flight"
    title = Text(
        "Permintaan dengan Idempotency-Key ini masih diproses",
        "A request with this Idempotency-Key is in progress",
    )


class IdempotentBodyTooLarge(AppError):
    status, slug = 413, "idempotent-body-too-large"
    title = Text("Isi permintaan terlalu besar", "Content too large")


class IdempotencyState(StrEnum):
    in_flight = "in_flight"
    completed = "completed"


class IdempotencyRecordMixin:
    """One key's claim and, once finished, its stored answer. `locked_at` is when the current claim began."""

    if TYPE_CHECKING:

        def __init__(self, **kwargs: Any) -> None: ...

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    scope_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None]
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


async def purge_expired(session: AsyncSession, model: type[IdempotencyRecordMixin], *, now: datetime) -> int:
    """Delete the records that expired before `now`; flushes, never commits. Returns how many went."""
    statement = delete(model).where(model.expires_at < now).execution_options(synchronize_session=False)
    return rowcount(await session.execute(statement))


def rowcount(result: Result[Any]) -> int:
    """The number of rows an UPDATE or DELETE matched."""
    return cast("CursorResult[Any]", result).rowcount


def scope_hash(caller: str, method: str, path: str, key: str) -> str:
    """The stored identity of a key: SHA-256 over caller, method, path and the key itself."""
    return hashlib.sha256(json.dumps([caller, method, path, key]).encode()).hexdigest()


def fingerprint(content_type: str, query_string: bytes, body: bytes) -> str:
    """SHA-256 of the request's query parameters and parsed body (see the module docstring)."""
    return _digest(_pairs(query_string), parse_body(content_type, body))


def _digest(query: list[list[str]], body: dict[str, Any]) -> str:
    canonical = json.dumps({"query": query, "body": body}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """The body as canonical JSON-able data; an unparseable body counts by its bytes."""
    media, params = _media_type(content_type)
    if media == "application/json" or media.endswith("+json"):
        try:
            return {"json": json.loads(body)}
        except (ValueError, RecursionError):
            pass
    elif media == "application/x-www-form-urlencoded":
        return {"form": _pairs(body)}
    elif (
        media == "multipart/form-data" and (parts := _multipart(body, params.get("boundary", ""))) is not None
    ):
        return {"multipart": sorted(parts)}
    return {"raw": hashlib.sha256(body).hexdigest(), "type": media}


def _pairs(encoded: bytes) -> list[list[str]]:
    return sorted(
        [name, value] for name, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True)
    )


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """The lower-case media type and the parameters (names lower-cased), as the email package parses them."""
    simple = _simple_media_type(content_type)
    return simple if simple is not None else _parsed_media_type(content_type)


def _simple_media_type(content_type: str) -> tuple[str, dict[str, str]] | None:
    """The usual `type/subtype; name=value` without quotes or comments, split by hand (the email package takes
    0.3 ms a request); None for anything else, which goes to the parser (the tests compare the two)."""
    media, *rest = content_type.split(";")
    kind, slash, subtype = media.strip().partition("/")
    if not (slash and _TOKEN.fullmatch(kind) and _TOKEN.fullmatch(subtype)) or '"' in content_type:
        return None
    params: dict[str, str] = {}
    for part in rest:
        name, equals, value = part.strip().partition("=")
        if not (equals and _TOKEN.fullmatch(name) and _TOKEN.fullmatch(value)):
            return None
        params[name.lower()] = value  # the last of a name, as the parser keeps it
    return f"{kind}/{subtype}".lower(), params


def _parsed_media_type(content_type: str) -> tuple[str, dict[str, str]]:
    message = HeaderParser(policy=HTTP).parsestr(f"Content-Type: {content_type}\r\n\r\n")
    params = {str(k).lower(): str(v) for k, v in message.get_params(failobj=[])[1:]}
    return message.get_content_type() if content_type else "", params


def _multipart(body: bytes, boundary: str) -> list[list[str]] | None:
    """`[name, value]` per text field and `[name, filename, sha256]` per file, or None if malformed."""
    if not boundary:
        return None
    chunks = (b"\r\n" + body).split(b"\r\n--" + boundary.encode("latin-1"))
    parts: list[list[str]] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            return parts
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            return None
        headers = HeaderParser(policy=HTTP).parsestr(head.strip().decode("utf-8", "replace") + "\r\n\r\n")
        name = str(headers.get_param("name", "", header="content-disposition"))
        filename = headers.get_filename()
        if filename is None:
            parts.append([name, content.decode("utf-8", "replace")])
        else:
            parts.append([name, filename, hashlib.sha256(content).hexdigest()])
    return None  # no closing delimiter


@dataclass(slots=True)
class CapturedResponse:
    """What the endpoint answered, collected while it streams to the client."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    no_store: bool = False

    def observe(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for raw_name, value in message.get("headers", []):
                name = raw_name.decode("latin-1").lower()
                if name == "cache-control" and "no-store" in value.decode("latin-1").lower():
                    self.no_store = True
                if name in KEPT_HEADERS:
                    self.headers[name] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.body.extend(message.get("body", b""))
            self.complete = not message.get("more_body", False)

    @property
    def storable(self) -> bool:
        """Worth keeping for a replay: complete, not a server error or a rate limit, and not marked
        `Cache-Control: no-store` (secrets shown once, personal-data exports): those are never kept, and
        their record is dropped, so a retry does the work again rather than reading them back from here."""
        return self.complete and self.status < 500 and self.status != 429 and not self.no_store


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request now holds, identified by its record and the claim's `locked_at`."""

    record_id: UUID
    locked_at: datetime


class IdempotencyMiddleware:
    """Pure ASGI middleware applying the module's rules to POST requests that carry an `Idempotency-Key`.

    `model` is the service's idempotency table (`define_platform_models(Base).idempotency`). The database
    is reached through `scope["state"]["sessionmaker"]` and tokens through `scope["state"]["token_verifier"]`.
    `ttl` defaults to the `IDEMPOTENCY_TTL_HOURS` setting in `scope["state"]["settings"]`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        model: type[IdempotencyRecordMixin],
        ttl: timedelta | None = None,
        lock_timeout: timedelta = DEFAULT_LOCK_TIMEOUT,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.model = model
        self.ttl = ttl
        self.lock_timeout = lock_timeout
        self.max_body_bytes = max_body_bytes
        self._statements = _Statements.of(model)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        keys = _key_headers(scope)
        if keys is None:
            await self.app(scope, receive, send)
            return
        try:
            key = _valid_key(keys)
            body = await self._read_body(receive)
            if body is None:  # the client went away before sending its body
                return
            outcome = await self._begin(scope, key, body)
        except AppError as exc:
            await _problem(scope, exc)(scope, receive, send)
            return
        if isinstance(outcome, Response):
            await outcome(scope, receive, send)
        elif outcome is None:
            await self.app(scope, _replaying(body, receive), send)
        else:
            await self._run(scope, _replaying(body, receive), send, outcome)

    async def _read_body(self, receive: Receive) -> bytes | None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            body.extend(message.get("body", b""))
            if len(body) > self.max_body_bytes:
                raise IdempotentBodyTooLarge()
            if not message.get("more_body", False):
                return bytes(body)

    async def _begin(self, scope: Scope, key: str, body: bytes) -> Claim | Response | None:
        """Claim the key, or answer for it (a replay); None when the request is not to be recorded."""
        request = Request(scope)
        parsed = parse_body(request.headers.get("content-type", ""), body)
        query = _pairs(scope.get("query_string", b""))
        caller = await _caller(request, query, parsed)
        if caller is None:
            return None
        hashed = scope_hash(caller, scope["method"], scope["path"], key)
        return await self._claim(_sessions(scope), hashed, _digest(query, parsed), self._ttl(scope))

    async def _claim(
        self, sessionmaker: "_Sessions", hashed: str, digest: str, ttl: timedelta
    ) -> Claim | Response:
        """Insert an in-flight record (the UNIQUE scope hash lets one claimant win), else decide by the one found."""
        for _ in range(_CLAIM_ATTEMPTS):
            now = utcnow()
            record = self.model(
                id=uuid4(),
                scope_hash=hashed,
                fingerprint=digest,
                state=IdempotencyState.in_flight,
                locked_at=now,
                created_at=now,
                expires_at=now + ttl,
            )
            try:
                async with unit_of_work(sessionmaker.single) as session:
                    await insert_row(session, record)
                return Claim(record.id, now)
            except IntegrityError:
                pass
            outcome = await self._existing(sessionmaker, hashed, digest, ttl)
            if outcome is not None:
                return outcome
        raise IdempotencyRequestInFlight(headers={"Retry-After": "1"})

    async def _existing(
        self, sessionmaker: "_Sessions", hashed: str, digest: str, ttl: timedelta
    ) -> Claim | Response | None:
        """Replay, refuse, or take over (expired, or in flight past the lock timeout) the record found."""
        now = utcnow()
        async with sessionmaker.unit() as session, session.begin():
            record = await session.scalar(select(self.model).where(self.model.scope_hash == hashed))
            if record is None:  # deleted since our insert failed: try again
                return None
            if record.expires_at > now:
                if record.fingerprint != digest:
                    raise IdempotencyKeyReused()
                if record.state == IdempotencyState.completed:
                    return _replay(record)
                if record.locked_at > now - self.lock_timeout:
                    raise IdempotencyRequestInFlight(headers={"Retry-After": "1"})
            take_over = (
                update(self.model)
                .where(self.model.id == record.id, self.model.locked_at == record.locked_at)
                .values(
                    fingerprint=digest,
                    state=IdempotencyState.in_flight,
                    locked_at=now,
                    created_at=now,
                    expires_at=now + ttl,
                    response_status=None,
                    response_headers=None,
                    response_body=None,
                )
                .execution_options(synchronize_session=False)
            )
            return Claim(record.id, now) if rowcount(await session.execute(take_over)) == 1 else None

    async def _run(self, scope: Scope, receive: Receive, send: Send, claim: Claim) -> None:
        captured = CapturedResponse()

        async def capture(message: Message) -> None:
            captured.observe(message)
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            await self._finish(_sessions(scope), claim, captured)

    async def _finish(self, sessionmaker: "_Sessions", claim: Claim, captured: CapturedResponse) -> None:
        """Store a complete, storable answer; otherwise delete the claim so that a retry redoes the work."""
        mine = {"claim_id": claim.record_id, "claim_locked_at": claim.locked_at}
        try:
            async with unit_of_work(sessionmaker.single) as session:
                if captured.storable:
                    stored = {
                        "stored_state": IdempotencyState.completed.value,
                        "stored_status": captured.status,
                        "stored_headers": captured.headers,
                        "stored_body": bytes(captured.body),
                    }
                    rows = await read_rows(session, self._statements.store, tuple, {**mine, **stored})
                else:
                    rows = await read_rows(session, self._statements.release, tuple, mine)
            if len(rows) != 1:
                logger.warning("idempotency claim was taken over before this request finished")
        except Exception:  # the client has its answer; a retry will find the claim stale and redo the work
            logger.exception("could not finish an idempotency record")

    def _ttl(self, scope: Scope) -> timedelta:
        if self.ttl is not None:
            return self.ttl
        hours = getattr(scope.get("state", {}).get("settings"), "IDEMPOTENCY_TTL_HOURS", None)
        return timedelta(hours=hours) if isinstance(hours, int) else DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class _Statements:
    """The finishing statements of a claim, built once per table (their cache keys are worked out once)."""

    store: Any
    release: Any

    @classmethod
    def of(cls, model: type[IdempotencyRecordMixin]) -> "_Statements":
        mine = (
            model.id == bindparam("claim_id"),
            model.locked_at == bindparam("claim_locked_at", type_=model.locked_at.type),
        )
        store = (
            update(model)
            .where(*mine)
            .values(
                state=bindparam("stored_state"),
                response_status=bindparam("stored_status"),
                response_headers=bindparam("stored_headers", type_=model.response_headers.type),
                response_body=bindparam("stored_body", type_=model.response_body.type),
            )
            .returning(model.id)
        )
        return cls(store=store, release=delete(model).where(*mine).returning(model.id))


@dataclass(frozen=True, slots=True)
class _Sessions:
    """`unit`: the service's sessions; `single`: for a unit of work that is one statement, which on PostgreSQL
    runs in autocommit (one round trip instead of BEGIN, the statement and COMMIT) when the app has such
    sessions (`scope["state"]["single_statement_sessionmaker"]`, see `db.make_single_statement_sessionmaker`)."""

    unit: Sessions
    single: Sessions


def _sessions(scope: Scope) -> _Sessions:
    state = scope["state"]
    unit = state["sessionmaker"]
    return _Sessions(unit=unit, single=state.get("single_statement_sessionmaker") or unit)


def _key_headers(scope: Scope) -> list[str] | None:
    """The `Idempotency-Key` values of a POST, or None when the middleware has nothing to do."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    values = [
        value.decode("latin-1") for name, value in scope["headers"] if name.lower() == b"idempotency-key"
    ]
    return values or None


def _valid_key(values: list[str]) -> str:
    if len(values) != 1 or not _KEY.fullmatch(values[0]):
        raise InvalidIdempotencyKey(
            Text(
                "Idempotency-Key harus dikirim sekali, berisi 1-255 karakter ASCII yang dapat dicetak.",
                "Send Idempotency-Key once, as 1-255 printable ASCII characters.",
            )
        )
    return values[0]


async def _caller(request: Request, query: list[list[str]], parsed: dict[str, Any]) -> str | None:
    """Who the key belongs to: token subject, hashed api_key, or client IP; None for an invalid token."""
    token = bearer_token(request)
    if token is not None:
        verifier: TokenVerifier = request.scope["state"]["token_verifier"]
        try:
            principal = await verifier.verify(token)
        except AppError:
            return None
        return f"sub:{principal.subject}"
    fields = query + parsed.get("form", []) + parsed.get("multipart", [])
    api_key = next((f[1] for f in fields if len(f) == 2 and f[0] == "api_key" and f[1]), None)
    if api_key is not None:
        return "key:" + hashlib.sha256(api_key.encode()).hexdigest()
    return f"ip:{request.client.host if request.client else 'unknown'}"


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the buffered body to the app, then listens to the client (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _replay(record: IdempotencyRecordMixin) -> Response:
    headers = {**(record.response_headers or {}), REPLAYED_HEADER: "true"}
    return Response(record.response_body or b"", status_code=record.response_status or 200, headers=headers)


def _problem(scope: Scope, exc: AppError) -> Response:
    return problem_response(
        Request(scope), exc.status, exc.title, exc.detail, type_=PROBLEM_BASE + exc.slug, headers=exc.headers
    )

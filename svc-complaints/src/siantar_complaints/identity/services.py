"""svc-identity's services for this one, called with this service's client-credentials token:

- `register_guest`: a subject id for a person reporting without an account (a counter, SMS, Open311);
- `notify`: a message from one of identity's templates to a person (this service never holds phones or e-mails);
- `check_api_key`: whether an Open311 `api_key` is valid and whose it is, cached for at most 60 seconds (by the
  key's SHA-256: the key itself is kept nowhere, and never logged);
- `staff_member`: whether a subject is active staff, with its OPD and roles (no personal data), cached for at
  most 60 seconds: a supervisor assigns only an active officer of the complaint's OPD;
- `get`: any other read, e.g. identity's event feed.
"""

import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

import httpx

from siantar_complaints.identity.exceptions import GuestRefused, IdentityUnavailable
from siantar_shared.http import make_client
from siantar_shared.i18n import Text
from siantar_shared.service_token import ServiceTokenError, ServiceTokenSource, token_source_for
from siantar_shared.settings import ServiceSettings

API_KEY_CACHE_SECONDS = 60.0
CACHE_SIZE = 1024  # entries per cache (API keys, staff)
STAFF_CACHE_SECONDS = 60.0  # identity's `Cache-Control: private, max-age=60`
STAFF_DIRECTORY_PATH = "/identity/v1/staff-directory"
logger = logging.getLogger("siantar_complaints.identity")
K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    valid: bool
    client_id: str | None = None
    scopes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class StaffInfo:
    """identity's staff directory entry: no name, no contact."""

    subject_id: UUID
    active: bool
    agency: str | None
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class NotifyOutcome:
    """identity's answer: `sent`, `no_channel` (nobody to reach, said why) ... (202), or a refusal."""

    accepted: bool
    status: str
    retryable: bool


class IdentityServices:
    def __init__(self, tokens: ServiceTokenSource, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.tokens = tokens
        self.clock = clock
        self._api_keys: dict[str, tuple[float, ApiKeyInfo]] = {}
        self._staff: dict[UUID, tuple[float, StaffInfo | None]] = {}
        self._rosters: dict[tuple[str, str | None], tuple[float, list[UUID]]] = {}

    async def register_guest(
        self, *, name: str, phone: str | None, email: str | None, language: str | None = None
    ) -> UUID:
        body: dict[str, Any] = {"name": name}
        for key, value in (("phone", phone), ("email", email), ("language", language)):
            if value:
                body[key] = value
        response = await self.tokens.request("POST", "/identity/v1/guests", json=body)
        if response.status_code in (200, 201):
            return UUID(response.json()["subject_id"])
        if response.status_code == 422:
            raise GuestRefused(
                Text(
                    "Nama, nomor telepon atau surel pelapor tidak sah",
                    "The reporter's name, phone number or e-mail address is not valid",
                )
            )
        logger.error("identity refused a guest registration: HTTP %d", response.status_code)
        raise IdentityUnavailable(_unavailable())

    async def notify(self, subject_id: UUID, template: str, params: dict[str, Any]) -> NotifyOutcome:
        """Ask identity to send `template` to `subject_id`; connection failures and 5xx/429 are retryable."""
        body = {"subject_id": str(subject_id), "template": template, "params": params}
        try:
            response = await self.tokens.request("POST", "/identity/v1/notifications", json=body)
        except ServiceTokenError as exc:  # identity unreachable, or no token
            logger.warning("notification not delivered to identity: %s", type(exc).__name__)
            return NotifyOutcome(accepted=False, status="unreachable", retryable=True)
        if response.status_code == 202:
            return NotifyOutcome(
                accepted=True, status=str(response.json().get("status", "sent")), retryable=False
            )
        retryable = response.status_code == 429 or response.status_code >= 500
        logger.warning("identity refused a notification (%s): HTTP %d", template, response.status_code)
        return NotifyOutcome(accepted=False, status=f"http_{response.status_code}", retryable=retryable)

    async def check_api_key(self, api_key: str) -> ApiKeyInfo:
        digest = hashlib.sha256(api_key.encode()).hexdigest()
        now = self.clock()
        cached = self._api_keys.get(digest)
        if cached is not None and now - cached[0] < API_KEY_CACHE_SECONDS:
            return cached[1]
        response = await self.tokens.request("POST", "/identity/v1/api-keys/check", json={"api_key": api_key})
        if response.status_code != 200:
            logger.error("identity could not check an API key: HTTP %d", response.status_code)
            raise IdentityUnavailable(_unavailable())
        body = response.json()
        info = ApiKeyInfo(
            valid=bool(body.get("valid")),
            client_id=body.get("client_id"),
            scopes=frozenset(body.get("scopes") or ()),
        )
        _remember(self._api_keys, digest, info, now, API_KEY_CACHE_SECONDS)
        return info

    async def staff_member(self, subject_id: UUID) -> StaffInfo | None:
        """identity's staff directory entry of `subject_id`, or None when it is no staff member (404). Answers,
        a 404 too, are kept at most 60 seconds; identity unreachable or answering otherwise: 503."""
        now = self.clock()
        cached = self._staff.get(subject_id)
        if cached is not None and now - cached[0] < STAFF_CACHE_SECONDS:
            return cached[1]
        try:
            response = await self.tokens.request("GET", f"{STAFF_DIRECTORY_PATH}/{subject_id}")
        except ServiceTokenError as exc:
            raise IdentityUnavailable(_unavailable()) from exc
        info = None if response.status_code == 404 else _staff_info(response, subject_id)
        _remember(self._staff, subject_id, info, now, STAFF_CACHE_SECONDS)
        return info

    async def staff_with_role(self, role: str, agency: str | None = None) -> list[UUID]:
        """The active staff members identity lists with `role` (and of `agency`, when given): an OPD's
        supervisors, or the verifier desk. Kept at most 60 seconds; identity unreachable or answering otherwise:
        IdentityUnavailable (503)."""
        now = self.clock()
        key = (role, agency)
        cached = self._rosters.get(key)
        if cached is not None and now - cached[0] < STAFF_CACHE_SECONDS:
            return cached[1]
        params = {"role": role} if agency is None else {"role": role, "agency": agency}
        try:
            response = await self.tokens.request("GET", STAFF_DIRECTORY_PATH, params=params)
            response.raise_for_status()
            subjects = [UUID(str(item["subject_id"])) for item in response.json()["items"] if item["active"]]
        except ServiceTokenError as exc:
            raise IdentityUnavailable(_unavailable()) from exc
        except (httpx.HTTPStatusError, ValueError, KeyError, TypeError) as exc:
            logger.error("identity's staff directory list failed: HTTP %d", response.status_code)
            raise IdentityUnavailable(_unavailable()) from exc
        _remember(self._rosters, key, subjects, now, STAFF_CACHE_SECONDS)
        return subjects

    async def get(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        return await self.tokens.request("GET", path, params=params)


def _staff_info(response: httpx.Response, subject_id: UUID) -> StaffInfo:
    try:
        response.raise_for_status()
        body = response.json()
        info = StaffInfo(
            subject_id=UUID(str(body["subject_id"])),
            active=body["active"] is True,
            agency=body.get("agency"),
            roles=frozenset(str(role) for role in body["roles"]),
        )
    except (httpx.HTTPStatusError, ValueError, KeyError, TypeError) as exc:
        logger.error("identity's staff directory failed: HTTP %d", response.status_code)
        raise IdentityUnavailable(_unavailable()) from exc
    if info.subject_id != subject_id:
        logger.error("identity's staff directory answered for another subject")
        raise IdentityUnavailable(_unavailable())
    return info


def _remember(cache: dict[K, tuple[float, V]], key: K, value: V, now: float, ttl: float) -> None:
    """Keep `value` under `key` from `now`; a full cache first drops its expired entries, then everything."""
    if len(cache) >= CACHE_SIZE:
        fresh = {k: v for k, v in cache.items() if now - v[0] < ttl}
        cache.clear()
        if len(fresh) < CACHE_SIZE:
            cache.update(fresh)
    cache[key] = (now, value)


def _unavailable() -> Text:
    return Text(
        "Layanan identitas tidak dapat dihubungi saat ini; coba lagi sebentar lagi",
        "The identity service cannot be reached now; try again shortly",
    )


@asynccontextmanager
async def open_identity_services(settings: ServiceSettings) -> AsyncIterator[IdentityServices]:
    client = make_client(settings.IDENTITY_URL)
    try:
        yield IdentityServices(token_source_for(settings, client))
    finally:
        await client.aclose()

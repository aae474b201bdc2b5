"""svc-identity's OPD list, fetched over HTTP and cached in this process.

- The list is fetched on first use, then again at most every `max_age` seconds (5 minutes, as identity's
  `Cache-Control: max-age=300` says), with `If-None-Match`: a 304 keeps the list and restarts the clock.
- If identity is down or answers nonsense, the last good list stays in use (logged) until the next attempt
  `max_age` later. Only when no list was ever fetched is the next attempt sooner (`retry_interval`), and
  until then callers get a 503 problem: an admin write cannot be checked against nothing.
- `include_inactive=true` is asked for, so an OPD switched off can be told apart from an unknown code.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import httpx
from pydantic import ValidationError

from siantar_complaints.identity.exceptions import AgencyDirectoryUnavailable, UnknownAgency
from siantar_complaints.identity.schemas import Agency, AgencyList
from siantar_shared.http import make_client
from siantar_shared.i18n import Text
from siantar_shared.settings import ServiceSettings

AGENCIES_PATH = "/identity/v1/agencies"
MAX_AGE = 300.0
RETRY_INTERVAL = 30.0
logger = logging.getLogger("siantar_complaints.identity")


class AgencyDirectory:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        max_age: float = MAX_AGE,
        retry_interval: float = RETRY_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.max_age = max_age
        self.retry_interval = retry_interval
        self.clock = clock
        self._agencies: dict[str, Agency] | None = None
        self._etag: str | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def agencies(self) -> Mapping[str, Agency]:
        """Every agency identity knows, by code (refreshed when due); 503 if no list was ever fetched."""
        if self._due():
            async with self._lock:
                if self._due():
                    await self._refresh()
        if self._agencies is None:
            raise AgencyDirectoryUnavailable(
                Text(
                    "Layanan identitas tidak menjawab; coba lagi sebentar lagi",
                    "The identity service does not answer; try again shortly",
                )
            )
        return self._agencies

    async def require_known(self, code: str) -> Agency:
        """The agency `code`, which must exist (active or not): else a 422 problem."""
        agency = (await self.agencies()).get(code)
        if agency is None:
            raise UnknownAgency(Text(f"Tidak ada OPD berkode {code}", f"There is no agency with code {code}"))
        return agency

    async def require_usable(self, code: str) -> Agency:
        """The agency `code`, which must exist and be active: else a 422 problem."""
        agency = await self.require_known(code)
        if not agency.usable:
            raise UnknownAgency(Text(f"OPD {code} tidak aktif", f"Agency {code} is not active"))
        return agency

    def _due(self) -> bool:
        if self._attempted_at is None:
            return True
        interval = self.max_age if self._agencies is not None else self.retry_interval
        return self.clock() - self._attempted_at >= interval

    async def _refresh(self) -> None:
        self._attempted_at = self.clock()  # a failed attempt also waits: no stampede on a sick identity
        headers = {"If-None-Match": self._etag} if self._etag and self._agencies is not None else {}
        try:
            response = await self.client.get(
                AGENCIES_PATH, params={"include_inactive": "true"}, headers=headers
            )
            if response.status_code == 304 and self._agencies is not None:
                return
            response.raise_for_status()
            listing = AgencyList.model_validate_json(response.content)
        except (httpx.HTTPError, ValidationError) as exc:
            kept = "keeping the last good list" if self._agencies is not None else "no list yet"
            logger.warning("agency list from identity failed (%s): %s", type(exc).__name__, kept)
            return
        self._agencies = {agency.code: agency for agency in listing.items}
        self._etag = response.headers.get("etag")


@asynccontextmanager
async def open_agency_directory(settings: ServiceSettings) -> AsyncIterator[AgencyDirectory]:
    """The directory on one long-lived client to `IDENTITY_URL`, closed on shutdown (app lifespan)."""
    client = make_client(settings.IDENTITY_URL)
    try:
        yield AgencyDirectory(client)
    finally:
        await client.aclose()

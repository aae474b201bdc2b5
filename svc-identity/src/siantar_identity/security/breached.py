"""Breached-password checks (OWASP ASVS 5.0 6.2.12), behind one interface, chosen by
`IDENTITY_BREACHED_PASSWORD_CHECK`:

- "development" (`DevelopmentBreachedPasswords`): deterministic and offline; it treats every password of the
  shipped common-password list (`data/common-passwords-10k.txt`) as breached and never calls out. Refused in
  production (`Settings.DEV_ONLY_VALUES`).
- "hibp" (`HibpBreachedPasswords`): Have I Been Pwned's k-anonymity range API. Only the first 5 hex characters
  of the password's SHA-1 leave the service; the answer lists the suffixes sharing that prefix, padded with
  fake zero-count entries (`Add-Padding: true`) so that its size says nothing either. A short timeout, and
  fail-open: if the API cannot answer, the password is not refused and a warning is logged (without it).
"""

import hashlib
import logging
from typing import Annotated, Protocol

import httpx
from fastapi import Depends, Request

from siantar_identity.config import Settings
from siantar_identity.security.password_policy import common_passwords, fold

logger = logging.getLogger("siantar_identity.security.breached")

HIBP_URL = "https://api.pwnedpasswords.com"
HIBP_TIMEOUT = httpx.Timeout(2.0, connect=1.0)
USER_AGENT = "siantar-identity (Pemko Pematangsiantar)"


class BreachedPasswordChecker(Protocol):
    async def is_breached(self, password: str) -> bool: ...


class DevelopmentBreachedPasswords:
    """Development adapter: breached means "in the shipped common-password list" (case-insensitive)."""

    async def is_breached(self, password: str) -> bool:
        return fold(password) in common_passwords()


class HibpBreachedPasswords:
    """Have I Been Pwned range API (https://haveibeenpwned.com/API/v3#PwnedPasswords)."""

    def __init__(
        self,
        *,
        base_url: str = HIBP_URL,
        timeout: httpx.Timeout = HIBP_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.transport = transport  # tests pass an httpx.MockTransport

    async def is_breached(self, password: str) -> bool:
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        prefix, suffix = digest[:5], digest[5:]
        try:
            body = await self._range(prefix)
        except httpx.HTTPError as exc:
            logger.warning("breached-password check unavailable (%s): password accepted", type(exc).__name__)
            return False
        return suffix in _breached_suffixes(body)

    async def _range(self, prefix: str) -> str:
        headers = {"Add-Padding": "true", "User-Agent": USER_AGENT}
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=self.timeout, transport=self.transport, headers=headers
        ) as client:
            response = await client.get(f"/range/{prefix}")
            response.raise_for_status()
            return response.text


def _breached_suffixes(body: str) -> set[str]:
    """The suffixes of `SUFFIX:COUNT` lines with a count above 0 (padding entries have count 0)."""
    suffixes = set()
    for line in body.splitlines():
        suffix, _, count = line.strip().partition(":")
        if count.strip().isdigit() and int(count) > 0:
            suffixes.add(suffix.upper())
    return suffixes


def build_breached_checker(settings: Settings) -> BreachedPasswordChecker:
    name = settings.BREACHED_PASSWORD_CHECK
    if name == "development":
        return DevelopmentBreachedPasswords()
    if name == "hibp":
        return HibpBreachedPasswords()
    raise ValueError(f"no breached-password check named {name!r} (development or hibp)")


def get_breached_checker(request: Request) -> BreachedPasswordChecker:
    checker: BreachedPasswordChecker = request.state.breached_passwords
    return checker


BreachedCheckerDep = Annotated[BreachedPasswordChecker, Depends(get_breached_checker)]

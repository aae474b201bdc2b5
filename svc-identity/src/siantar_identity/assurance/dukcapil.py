"""Verifying a NIK against the civil registry (Dukcapil), chosen by `IDENTITY_DUKCAPIL_VERIFIER`.

Under a PKS (cooperation agreement) Dukcapil answers *match / no match* for a NIK and the person's data; it
never returns the registry's data, and neither does this interface (domain brief §4.3). Every call is
audited by the caller (purpose, result, time, the verifier's reference; never the data sent).

- "development" (`DevelopmentDukcapilVerifier`): deterministic and offline. It **matches when the NIK is
  structurally valid (brief §4.2), the name is not empty, and the NIK's birth-date digits (7-12: day, +40 for
  women; month; two-digit year) encode the given birth date**. Refused in production
  (`Settings.DEV_ONLY_VALUES`).
- "pks" (`PksDukcapilVerifier`): the PKS web service at `IDENTITY_DUKCAPIL_PKS_URL`, over httpx. The request
  and response shapes follow the commonly documented Dukcapil "verifikasi data kependudukan" web service and
  are an **assumption to confirm against the technical annex of the city's PKS**:
  request  `POST <url>` JSON `{"NIK": "...", "NAMA_LGKP": "...", "TGL_LHR": "dd-mm-yyyy", "REQUEST_ID": "..."}`
  response `{"content": [{"RESPONSE_CODE": "00", "NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)",
  "TGL_LHR": "Sesuai"}]}`; a match is every field starting with "Sesuai" (not "Tidak Sesuai"). Credentials
  and the network path (VPN, IP allow-list) come from the PKS; nothing of the answer beyond the verdict is kept.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Protocol

import httpx
from fastapi import Depends, Request

from siantar_identity.config import Settings
from siantar_shared.schemas.types import parse_nik

logger = logging.getLogger("siantar_identity.assurance.dukcapil")
PKS_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
CHECKED_FIELDS = ("NIK", "NAMA_LGKP", "TGL_LHR")


@dataclass(frozen=True)
class VerificationResult:
    match: bool
    reference: str | None  # the verifier's transaction reference, for the audit trail


class VerifierUnavailable(Exception):
    """The verifier could not give a verdict (network, timeout, an answer of the wrong shape)."""


class DukcapilVerifier(Protocol):
    name: str

    async def verify(self, nik: str, full_name: str, birth_date: date) -> VerificationResult: ...


class DevelopmentDukcapilVerifier:
    """Matches when the NIK is valid and its digits 7-12 encode `birth_date` (see the module docstring)."""

    name = "development"

    async def verify(self, nik: str, full_name: str, birth_date: date) -> VerificationResult:
        reference = f"DEV-{uuid.uuid4().hex[:16]}"
        try:
            info = parse_nik(nik)
        except ValueError:
            return VerificationResult(False, reference)
        day = int(nik[6:8]) - (40 if info.sex == "F" else 0)
        encoded = (day, int(nik[8:10]), int(nik[10:12]))
        given = (birth_date.day, birth_date.month, birth_date.year % 100)
        return VerificationResult(bool(full_name.strip()) and encoded == given, reference)


class PksDukcapilVerifier:
    """Dukcapil's PKS web service (see the module docstring for the assumed shapes)."""

    name = "dukcapil-pks"

    def __init__(
        self,
        url: str,
        *,
        timeout: httpx.Timeout = PKS_TIMEOUT,
        headers: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = headers or {}
        self.transport = transport  # tests pass an httpx.MockTransport

    async def verify(self, nik: str, full_name: str, birth_date: date) -> VerificationResult:
        reference = uuid.uuid4().hex
        payload = {
            "NIK": nik,
            "NAMA_LGKP": full_name,
            "TGL_LHR": birth_date.strftime("%d-%m-%Y"),
            "REQUEST_ID": reference,
        }
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(self.url, json=payload, headers=self.headers)
                response.raise_for_status()
                return VerificationResult(_verdict(response.json()), reference)
        except (httpx.HTTPError, ValueError, TypeError, KeyError, IndexError) as exc:
            logger.warning("Dukcapil verification failed: %s", type(exc).__name__)
            raise VerifierUnavailable(type(exc).__name__) from exc


def _verdict(body: Any) -> bool:
    """True if every checked field says "Sesuai" (match); a missing field or any other text is no match."""
    row = body["content"][0]
    if not isinstance(row, dict):
        raise TypeError("content[0] is not an object")
    return all(_matches(row.get(field)) for field in CHECKED_FIELDS)


def _matches(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith("sesuai")


def build_dukcapil_verifier(settings: Settings) -> DukcapilVerifier:
    name = settings.DUKCAPIL_VERIFIER
    if name == "development":
        return DevelopmentDukcapilVerifier()
    if name == "pks":
        if not settings.DUKCAPIL_PKS_URL.startswith("https://"):
            raise ValueError("IDENTITY_DUKCAPIL_PKS_URL must be an https:// URL for the PKS verifier")
        return PksDukcapilVerifier(settings.DUKCAPIL_PKS_URL)
    raise ValueError(f"no Dukcapil verifier named {name!r} (development or pks)")


def get_dukcapil(request: Request) -> DukcapilVerifier:
    verifier: DukcapilVerifier = request.state.dukcapil
    return verifier


DukcapilDep = Annotated[DukcapilVerifier, Depends(get_dukcapil)]

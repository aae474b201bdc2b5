"""svc-identity's `GET /identity/v1/agencies`, faked with an httpx.MockTransport (it is an external service
for svc-complaints): the JSON shape identity serves, its ETag, 304s, and outages on demand."""

import hashlib
import json
from typing import Any

import httpx

ACTIVE = [
    "INSPEKTORAT", "DPMPTSP", "DISDUKCAPIL", "PUTR", "PRKP", "DLH", "SATPOLPP", "DAMKAR", "BPBD", "DISHUB",
    "DISKOMINFO", "DINKES", "DISDIK", "RSUD", "TIRTAULI", "PDPHJ", "KEC-SIANTAR-TIMUR", "KEC-SIANTAR-BARAT",
    "KEC-SIANTAR-UTARA", "KEC-SIANTAR-SELATAN", "KEC-SIANTAR-MARIHAT", "KEC-SIANTAR-MARTOBA",
    "KEC-SIANTAR-SITALASARI", "KEC-SIANTAR-MARIMBUN",
]  # fmt: skip
INACTIVE = ["DINSOS"]  # seeded inactive by identity (unconfirmed in the brief)


def agency(code: str, *, active: bool = True) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Nama {code}",
        "short_name": code,
        "cluster": "territorial" if code.startswith("KEC-") else "infrastructure",
        "active": active,
        "valid_from": None,
        "valid_to": None,
        "in_effect": active,
        "version": 1,
    }


class FakeIdentity:
    """Serves the agency list; `down = True` makes it fail, `now` is the directory's clock (seconds)."""

    def __init__(self) -> None:
        self.items = [agency(code) for code in ACTIVE] + [agency(code, active=False) for code in INACTIVE]
        self.down = False
        self.requests: list[httpx.Request] = []
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def body(self) -> bytes:
        return json.dumps({"items": self.items}, separators=(",", ":")).encode()

    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body()).hexdigest()[:32] + '"'

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("identity is down", request=request)
        if request.url.path != "/identity/v1/agencies":
            return httpx.Response(404)
        headers = {"ETag": self.etag(), "Cache-Control": "public, max-age=300"}
        if request.headers.get("if-none-match") == self.etag():
            return httpx.Response(304, headers=headers)
        return httpx.Response(
            200, content=self.body(), headers={**headers, "Content-Type": "application/json"}
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

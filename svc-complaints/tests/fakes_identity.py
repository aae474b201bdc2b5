"""svc-identity, faked with an httpx.MockTransport (it is an external service for svc-complaints): the agency
list (its JSON shape, ETag, 304s), the client-credentials token endpoint, guest registration, notifications,
API key checks and the staff directory, with outages on demand. What the service sent is recorded for the tests to read."""

import hashlib
import json
import uuid
from collections.abc import Iterable
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
        self.tokens_issued = 0
        self.guests: dict[str, dict[str, Any]] = {}  # subject id -> what was registered
        self.notifications: list[dict[str, Any]] = []
        self.notify_status = 202  # what POST /notifications answers
        self.api_keys: dict[str, dict[str, Any]] = {
            "sia_open311demo_" + "k" * 43: {"client_id": "open311-demo", "scopes": ["open311:write"]},
            "sia_readonly0000_" + "r" * 43: {"client_id": "readonly-app", "scopes": ["complaints:read"]},
        }
        self.api_key_checks = 0
        self.staff: dict[str, dict[str, Any]] = {}  # subject id -> its staff directory entry
        self.staff_lookups = 0
        self.staff_list_lookups = 0

    def add_staff(
        self, subject: uuid.UUID, roles: Iterable[str], agency: str | None, *, active: bool = True
    ) -> None:
        """A staff member the directory knows (as identity answers: no name, no contact)."""
        self.staff[str(subject)] = {
            "subject_id": str(subject),
            "active": active,
            "agency": agency,
            "roles": sorted(roles),
        }

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
        path = request.url.path
        if path == "/identity/v1/oauth/token":
            self.tokens_issued += 1
            token = {
                "access_token": f"service-token-{self.tokens_issued}",
                "token_type": "Bearer",
                "expires_in": 300,
            }
            return httpx.Response(200, json=token)
        if path in ("/identity/v1/guests", "/identity/v1/notifications", "/identity/v1/api-keys/check"):
            if not request.headers.get("authorization", "").startswith("Bearer service-token-"):
                return httpx.Response(401, json={"title": "no token"})
            body = json.loads(request.content)
            if path == "/identity/v1/guests":
                return self._guest(body)
            if path == "/identity/v1/notifications":
                self.notifications.append(body)
                return httpx.Response(self.notify_status, json={"status": "sent", "channel": "sms"})
            self.api_key_checks += 1
            known = self.api_keys.get(body["api_key"])
            return httpx.Response(200, json={"valid": True, **known} if known else {"valid": False})
        if path.startswith("/identity/v1/staff-directory/"):
            return self._staff_entry(request)
        if path == "/identity/v1/staff-directory":
            return self._staff_list(request)
        if path != "/identity/v1/agencies":
            return httpx.Response(404)
        headers = {"ETag": self.etag(), "Cache-Control": "public, max-age=300"}
        if request.headers.get("if-none-match") == self.etag():
            return httpx.Response(304, headers=headers)
        return httpx.Response(
            200, content=self.body(), headers={**headers, "Content-Type": "application/json"}
        )

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def _staff_entry(self, request: httpx.Request) -> httpx.Response:
        if not request.headers.get("authorization", "").startswith("Bearer service-token-"):
            return httpx.Response(401, json={"title": "no token"})
        self.staff_lookups += 1
        entry = self.staff.get(request.url.path.rsplit("/", 1)[-1])
        if entry is None:
            return httpx.Response(404, json={"title": "Staff member not found"})
        return httpx.Response(200, json=entry, headers={"Cache-Control": "private, max-age=60"})

    def _staff_list(self, request: httpx.Request) -> httpx.Response:
        """GET /identity/v1/staff-directory?role=&agency=: active staff with the role (of the agency)."""
        if not request.headers.get("authorization", "").startswith("Bearer service-token-"):
            return httpx.Response(401, json={"title": "no token"})
        self.staff_list_lookups += 1
        role, agency = request.url.params.get("role"), request.url.params.get("agency")
        items = [
            entry
            for _, entry in sorted(self.staff.items())
            if entry["active"] and role in entry["roles"] and (agency is None or entry["agency"] == agency)
        ]
        return httpx.Response(200, json={"items": items}, headers={"Cache-Control": "private, max-age=60"})

    def _guest(self, body: dict[str, Any]) -> httpx.Response:
        if not body.get("name") or not (body.get("phone") or body.get("email")):
            return httpx.Response(422, json={"title": "invalid"})
        for subject, known in self.guests.items():
            if body.get("phone") and known.get("phone") == body.get("phone"):
                return httpx.Response(200, json={"subject_id": subject})
        subject = str(uuid.uuid4())
        self.guests[subject] = body
        return httpx.Response(201, json={"subject_id": subject})

"""The business flows end to end, over real HTTP and through the development gateway only (never a service
port), each as one ordered scenario whose steps share state:

- complaints: a citizen registers herself (the phone code read from identity's development SMS outbox),
  signs in, files a restricted complaint with a photo; the verifier desk verifies and dispositions it to the
  routed OPD, that OPD's supervisor assigns an officer, who starts and resolves it; the citizen sees the
  timeline and rates it; another citizen gets 404; one request id is in the gateway's and the service's logs;
- permits: the same citizen reaches assurance level 2 (NIK matched by the development Dukcapil adapter),
  applies for the seeded billboard permit (documents, completeness, verification, the technical OPD's
  recommendation, the inspection, the approval chain), and for a permit type with a levy configured by the
  admin (fee assessed, paid by the bank's signed callback, approved, issued), whose QR code verifies
  publicly as JSON and as HTML with a masked holder name and a valid signature.

Steps run in the order written; a step whose predecessor failed is skipped, not failed again.
"""

import asyncio
import io
import json
import re
import secrets
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from conftest import Platform
from PIL import Image

from siantar_permits.payment.callback import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_bank_callback

TOKEN = "/identity/v1/oauth/token"
COMPLAINTS = "/complaints/v1/complaints"
APPLICATIONS = "/permits/v1/applications"
POLL_SECONDS = 10.0
BALAI_KOTA = {"lat": 2.9595, "long": 99.0687}  # inside the city
SUKARAJA = "12.72.05.1002"  # a kelurahan of Siantar Marihat
# a PDF small enough for every requirement, recognised by its content
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REKLAME_FORM: dict[str, Any] = {
    "nama_pemohon": "CV Maju Bersama",
    "isi_reklame": "Toko Maju",
    "jenis_reklame": "billboard",
    "luas_m2": "8.5",
    "alamat": "Jl. Sutomo 1",
    "kelurahan": "1272031001",
    "kode_pos": "21111",
    "nomor_pajak_reklame": "SKPD/2026/001",
}
LEVY_RATE = 15000  # rupiah per m², set by the admin on the levy type below


# --- shared state and small helpers --------------------------------------------------------------------


class Scenario:
    """What one step leaves for the next; a step needing a value an earlier (failed) step did not set is
    skipped."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __setitem__(self, name: str, value: Any) -> None:
        self.values[name] = value

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            pytest.skip(f"an earlier step did not produce {name!r}")
        return self.values[name]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url.path}: " + (
        f"{response.status_code} {response.text[:800]}"
    )
    return response.json()


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"v{version}"'}


def jpeg(width: int = 64, height: int = 48, colour: str = "darkgreen") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return buffer.getvalue()


def demo_account(platform: Platform, username: str) -> dict[str, Any]:
    return next(a for a in platform.credentials["accounts"] if a["username"] == username)


class Tokens:
    """Sign-ins of the seeded demo people, once each per session: a staff member's TOTP code is good once per
    time step (identity refuses a replay), and other e2e tests may have used the current step already, so
    the code of the next step (accepted within one step of drift) is sent."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self.cache: dict[str, str] = {}

    async def staff(self, gateway: httpx.AsyncClient, username: str) -> str:
        if username not in self.cache:
            person = demo_account(self.platform, username)
            code = pyotp.TOTP(person["totp_secret"]).at(datetime.now(UTC) + timedelta(seconds=30))
            form = {
                "grant_type": "password",
                "client_id": "siantar-staff-console",
                "username": username,
                "password": person["password"],
                "otp": code,
            }
            self.cache[username] = ok(await gateway.post(TOKEN, data=form))["access_token"]
        return self.cache[username]

    async def demo_citizen(self, gateway: httpx.AsyncClient, username: str) -> str:
        if username not in self.cache:
            person = demo_account(self.platform, username)
            self.cache[username] = await citizen_token(gateway, username, person["password"])
        return self.cache[username]


async def citizen_token(gateway: httpx.AsyncClient, phone: str, password: str) -> str:
    form = {
        "grant_type": "password",
        "client_id": "siantar-citizen-app",
        "username": phone,
        "password": password,
    }
    token: str = ok(await gateway.post(TOKEN, data=form))["access_token"]
    return token


async def me(gateway: httpx.AsyncClient, token: str) -> dict[str, Any]:
    body: dict[str, Any] = ok(await gateway.get("/identity/v1/me", headers=bearer(token)))
    return body


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


async def sms_code(var_dir: Path, phone: str, deadline: float) -> str:
    """The 6-digit code identity's development notifier wrote for `phone` (var/outbox/sms/*.json: channel,
    to, subject, body), the newest one."""
    folder = var_dir / "outbox" / "sms"
    while time.monotonic() < deadline:
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            message = json.loads(path.read_text(encoding="utf-8"))
            if digits(message["to"])[-10:] == digits(phone)[-10:]:
                match = re.search(r"\b(\d{6})\b", message["body"])
                if match:
                    found.append(match.group(1))
        if found:
            return found[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no verification code for {phone} in {folder}")


async def in_logs(platform: Platform, request_id: str, *names: str) -> list[str]:
    """The logs (of `names`) that do not contain `request_id` once the deadline passes (logs flush late)."""
    deadline = time.monotonic() + POLL_SECONDS
    while True:
        missing = [name for name in names if request_id not in platform.log_text(name)]
        if not missing or time.monotonic() > deadline:
            return missing
        await asyncio.sleep(0.1)


@pytest.fixture(scope="session")
def tokens(platform: Platform) -> Tokens:
    return Tokens(platform)


@pytest.fixture(scope="session")
def citizen() -> Scenario:
    """The self-registered citizen, shared by both scenarios (permits needs her signed in)."""
    return Scenario()


async def registered_citizen(
    gateway: httpx.AsyncClient, platform: Platform, citizen: Scenario
) -> tuple[str, str]:
    """Self-registration (once per session): the phone and password of an active citizen account."""
    if "password" in citizen.values:
        return citizen["phone"], citizen["password"]
    phone = f"+62813{secrets.randbelow(10**8):08d}"
    password = f"payung biru {secrets.token_hex(3)} di musim hujan"
    body = {"full_name": "Rina Simanjuntak", "phone": phone, "password": password, "language": "id"}
    accepted = ok(await gateway.post("/identity/v1/accounts", json=body), 202)
    assert accepted["message"]
    code = await sms_code(platform.var_dir, phone, time.monotonic() + POLL_SECONDS)
    wrong = "000000" if code != "000000" else "111111"
    refused = await gateway.post("/identity/v1/accounts/verify-phone", json={"phone": phone, "code": wrong})
    assert refused.status_code == 400, refused.text
    activated = ok(
        await gateway.post("/identity/v1/accounts/verify-phone", json={"phone": phone, "code": code})
    )
    assert activated["status"] == "active"
    citizen["phone"], citizen["password"] = phone, password
    return phone, password


# --- complaints ----------------------------------------------------------------------------------------


@pytest.fixture(scope="class")
def flow() -> Scenario:
    return Scenario()


class TestComplaintFlow:
    async def test_01_citizen_registers_and_signs_in(
        self, gateway: httpx.AsyncClient, platform: Platform, citizen: Scenario, flow: Scenario
    ) -> None:
        phone, password = await registered_citizen(gateway, platform, citizen)
        token = await citizen_token(gateway, phone, password)
        profile = await me(gateway, token)
        assert profile["status"] == "active"
        assert profile["kind"] == "citizen"
        assert profile["phone_verified_at"] is not None
        assert profile["assurance"]["level"] == 0
        assert digits(phone) not in digits(profile["phone"] or "")  # masked
        flow["citizen"], flow["citizen_id"] = token, profile["id"]

    async def test_02_submits_a_complaint_with_a_request_id_and_an_idempotency_key(
        self, gateway: httpx.AsyncClient, flow: Scenario
    ) -> None:
        body = {
            "title": "Sampah belum diangkut di Jl. Sutomo",
            "description": "Tumpukan sampah di depan Jl. Sutomo No. 12 belum diangkut sejak tiga hari.",
            "category": "sampah",
            "answers": {"masalah": "belum-diangkut"},
            "location": BALAI_KOTA,
            "kelurahan": SUKARAJA,
            "address": "Jl. Sutomo No. 12",
            "report_visibility": "restricted",
            "channel": "app",
        }
        request_id, key = f"e2e-business-{uuid.uuid4()}", str(uuid.uuid4())
        headers = bearer(flow["citizen"], **{"X-Request-ID": request_id, "Idempotency-Key": key})
        response = await gateway.post(COMPLAINTS, json=body, headers=headers)
        created = ok(response, 201)
        assert response.headers["x-request-id"] == request_id
        assert created["status"] == "submitted"
        assert created["tracking_number"].startswith("SIANTAR-")
        assert created["routing"]["opd_code"] == "DLH"  # sampah is DLH's (category catalogue)
        assert created["routing"]["reason"]["id"]
        assert created["routing"]["reason"]["en"]
        assert created["reporter_id"] == flow["citizen_id"]
        retried = await gateway.post(COMPLAINTS, json=body, headers=headers)
        assert ok(retried, 201)["id"] == created["id"]  # the retry files nothing new
        flow["complaint"], flow["request_id"] = created, request_id

    async def test_02b_complaints_sent_at_the_same_moment_are_all_filed(
        self, gateway: httpx.AsyncClient, flow: Scenario
    ) -> None:
        """Each submission reads (catalogue, routing, duplicates) and then writes: on the embedded SQLite a
        second one committing in between used to fail the first with 'database is locked' (a 500)."""
        body = {
            "title": "Lampu jalan mati di Jl. Merdeka",
            "description": "Lampu jalan di depan Jl. Merdeka No. 3 mati sejak kemarin malam.",
            "category": "lampu-jalan",
            "answers": {"masalah": "mati"},
            "location": BALAI_KOTA,
            "kelurahan": SUKARAJA,
            "channel": "app",
        }

        async def submit() -> httpx.Response:
            headers = bearer(flow["citizen"], **{"Idempotency-Key": str(uuid.uuid4())})
            return await gateway.post(COMPLAINTS, json=body, headers=headers)

        answers = await asyncio.gather(*(submit() for _ in range(6)))
        numbers = {ok(answer, 201)["tracking_number"] for answer in answers}
        assert len(numbers) == 6

    async def test_03_the_request_id_is_in_the_gateway_and_service_logs(
        self, platform: Platform, flow: Scenario
    ) -> None:
        assert await in_logs(platform, flow["request_id"], "gateway", "complaints") == []

    async def test_04_adds_a_photo(self, gateway: httpx.AsyncClient, flow: Scenario) -> None:
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        files = {"file": ("sampah.jpg", jpeg(), "image/jpeg")}
        photo = ok(await gateway.post(f"{one}/photos", files=files, headers=bearer(flow["citizen"])), 201)
        assert photo["content_type"] == "image/jpeg"
        assert (photo["width"], photo["height"]) == (64, 48)
        image = await gateway.get(f"{one}/photos/{photo['id']}", headers=bearer(flow["citizen"]))
        assert image.status_code == 200, image.text
        assert Image.open(io.BytesIO(image.content)).size == (64, 48)
        complaint = ok(await gateway.get(one, headers=bearer(flow["citizen"])))
        assert [p["id"] for p in complaint["photos"]] == [photo["id"]]

    async def test_05_another_citizen_sees_nothing_of_it(
        self, gateway: httpx.AsyncClient, platform: Platform, tokens: Tokens, flow: Scenario
    ) -> None:
        other = await tokens.demo_citizen(gateway, "+6281200000101")
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        for path in (one, f"{one}/updates"):
            response = await gateway.get(path, headers=bearer(other))
            assert response.status_code == 404, (path, response.status_code, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        files = {"file": ("x.jpg", jpeg(), "image/jpeg")}
        assert (await gateway.post(f"{one}/photos", files=files, headers=bearer(other))).status_code == 404
        anonymous = await gateway.get(one)
        assert anonymous.status_code in (401, 404)

    async def test_06_the_verifier_desk_verifies_and_dispositions_to_the_routed_opd(
        self, gateway: httpx.AsyncClient, tokens: Tokens, flow: Scenario
    ) -> None:
        desk = await tokens.staff(gateway, "verifier")
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        read = await gateway.get(one, headers=bearer(desk))
        ok(read)
        without = await gateway.post(f"{one}/actions/verify", json={}, headers=bearer(desk))
        assert without.status_code == 428, without.text  # If-Match is required
        verified = await gateway.post(
            f"{one}/actions/verify",
            json={"note": "Lokasi dan foto jelas"},
            headers=bearer(desk, **{"If-Match": read.headers["etag"]}),
        )
        state = ok(verified)
        assert state["status"] == "verified"
        stale = await gateway.post(
            f"{one}/actions/disposition",
            json={"opd_code": "DLH"},
            headers=bearer(desk, **{"If-Match": read.headers["etag"]}),
        )
        assert stale.status_code == 412, stale.text
        dispositioned = await gateway.post(
            f"{one}/actions/disposition",
            json={"opd_code": flow["complaint"]["routing"]["opd_code"], "note": "Wewenang DLH"},
            headers=bearer(desk, **{"If-Match": verified.headers["etag"]}),
        )
        state = ok(dispositioned)
        assert state["status"] == "dispositioned"
        assert state["routing"]["opd_code"] == "DLH"
        assert state["sla"]["stage"] == "follow_up"
        flow["etag"] = dispositioned.headers["etag"]

    async def test_07_the_opd_supervisor_assigns_an_officer_of_the_opd(
        self, gateway: httpx.AsyncClient, tokens: Tokens, flow: Scenario
    ) -> None:
        officer = await tokens.staff(gateway, "dlh.officer")
        officer_id = (await me(gateway, officer))["id"]
        supervisor = await tokens.staff(gateway, "dlh.supervisor")
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        other_opd = await tokens.staff(gateway, "putr.supervisor")
        foreign = await gateway.post(
            f"{one}/actions/assign",
            json={"officer_id": officer_id},
            headers=bearer(other_opd, **{"If-Match": flow["etag"]}),
        )
        assert foreign.status_code == 404, foreign.text  # a restricted complaint of another OPD
        assigned = await gateway.post(
            f"{one}/actions/assign",
            json={"officer_id": officer_id, "note": "Tim kebersihan wilayah Marihat"},
            headers=bearer(supervisor, **{"If-Match": flow["etag"]}),
        )
        state = ok(assigned)
        assert state["assigned_officer_id"] == officer_id
        assert state["status"] == "dispositioned"
        flow["etag"], flow["officer_id"] = assigned.headers["etag"], officer_id

    async def test_08_the_officer_starts_and_resolves_it(
        self, gateway: httpx.AsyncClient, tokens: Tokens, flow: Scenario
    ) -> None:
        officer = await tokens.staff(gateway, "dlh.officer")
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        started = await gateway.post(
            f"{one}/actions/start", json={}, headers=bearer(officer, **{"If-Match": flow["etag"]})
        )
        assert ok(started)["status"] == "in_progress"
        resolved = await gateway.post(
            f"{one}/actions/resolve",
            json={"public_update": "Sampah sudah diangkut truk DLH pagi ini."},
            headers=bearer(officer, **{"If-Match": started.headers["etag"]}),
        )
        state = ok(resolved)
        assert state["status"] == "resolved"
        assert state["sla"]["stage"] == "close"
        flow["etag"] = resolved.headers["etag"]

    async def test_09_the_citizen_sees_the_timeline(self, gateway: httpx.AsyncClient, flow: Scenario) -> None:
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        complaint = ok(await gateway.get(one, headers=bearer(flow["citizen"])))
        assert complaint["status"] == "resolved"
        entries = ok(await gateway.get(f"{one}/updates", headers=bearer(flow["citizen"])))["items"]
        reached = [e["to_status"] for e in entries if e["to_status"]]
        for status in ("submitted", "verified", "dispositioned", "in_progress", "resolved"):
            assert status in reached, (status, reached)
        assert any("diangkut truk DLH" in e["note"] for e in entries), entries
        assert all(e["visibility"] != "internal" for e in entries)  # internal notes stay with staff

    async def test_10_the_citizen_rates_the_resolution(
        self, gateway: httpx.AsyncClient, tokens: Tokens, flow: Scenario
    ) -> None:
        one = f"{COMPLAINTS}/{flow['complaint']['id']}"
        other = await tokens.demo_citizen(gateway, "+6281200000101")
        body = {"score": 5, "reasons": ["fast", "solved"], "comment": "Terima kasih, cepat sekali."}
        foreign = await gateway.post(f"{one}/rating", json=body, headers=bearer(other))
        assert foreign.status_code == 404, foreign.text
        rated = ok(await gateway.post(f"{one}/rating", json=body, headers=bearer(flow["citizen"])), 201)
        assert (rated["score"], rated["reopened"]) == (5, False)
        again = await gateway.post(f"{one}/rating", json=body, headers=bearer(flow["citizen"]))
        assert again.status_code == 409, again.text  # once
        complaint = ok(await gateway.get(one, headers=bearer(flow["citizen"])))
        assert complaint["rating"] == 5


# --- permits -------------------------------------------------------------------------------------------


def attachment(allowed: list[str]) -> tuple[str, bytes, str]:
    """A small file of a kind the requirement accepts (the service checks the content, not the name)."""
    if "pdf" in allowed:
        return "dokumen.pdf", PDF, "application/pdf"
    if "jpeg" in allowed:
        return "foto.jpg", jpeg(), "image/jpeg"
    return "gambar.png", png(), "image/png"


async def file_application(
    gateway: httpx.AsyncClient, token: str, type_code: str, form: dict[str, Any]
) -> dict[str, Any]:
    """A draft of `type_code` with every required document of its current definition, then submitted."""
    definition = ok(await gateway.get(f"/permits/v1/permit-types/{type_code}"))["definition"]
    body = {"type": type_code, "applicant_name": "Rina Simanjuntak", "form": form}
    draft = ok(await gateway.post(APPLICATIONS, json=body, headers=bearer(token)), 201)
    assert draft["state"] == "draft"
    one = f"{APPLICATIONS}/{draft['id']}"
    required = [r for r in definition["requirements"] if r["required"]]
    assert required, definition
    for requirement in required:
        files = {"file": attachment(requirement["allowed_types"])}
        uploaded = ok(
            await gateway.post(f"{one}/documents/{requirement['code']}", files=files, headers=bearer(token)),
            201,
        )
        assert uploaded["requirement_code"] == requirement["code"]
    listed = ok(await gateway.get(f"{one}/documents", headers=bearer(token)))["items"]
    assert {d["requirement_code"] for d in listed} == {r["code"] for r in required}
    current = ok(await gateway.get(one, headers=bearer(token)))
    submitted: dict[str, Any] = ok(
        await gateway.post(f"{one}/submit", json={}, headers=bearer(token, **if_match(current["version"])))
    )
    assert submitted["state"] == "submitted"
    assert submitted["sla"]["due_at"] is not None
    return submitted


async def act(
    gateway: httpx.AsyncClient, token: str, app: dict[str, Any], path: str, body: Any = None
) -> httpx.Response:
    return await gateway.post(
        f"{APPLICATIONS}/{app['id']}/{path}",
        json=body if body is not None else {},
        headers=bearer(token, **if_match(app["version"])),
    )


def bank_secret(platform: Platform) -> bytes:
    """The development bank secret svc-permits generated into its var dir (PERMITS_BANK_CALLBACK_SECRET
    unset), shared with this test as the bank would share it out of band."""
    stored = json.loads((platform.var_dir / "permits-dev-secrets.json").read_text(encoding="utf-8"))
    return str(stored["BANK_CALLBACK_SECRET"]).encode()


def bank_callback(secret: bytes, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))
    headers = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign_bank_callback(secret, body, stamp),
        "Content-Type": "application/json",
    }
    return body, headers


@pytest.fixture(scope="class")
def permit() -> Scenario:
    return Scenario()


class TestPermitFlow:
    async def test_01_the_citizen_reaches_assurance_level_2_through_dukcapil(
        self, gateway: httpx.AsyncClient, platform: Platform, citizen: Scenario, permit: Scenario
    ) -> None:
        phone, password = await registered_citizen(gateway, platform, citizen)
        token = await citizen_token(gateway, phone, password)
        body = {"type": "izin-reklame", "applicant_name": "Rina Simanjuntak", "form": REKLAME_FORM}
        refused = await gateway.post(APPLICATIONS, json=body, headers=bearer(token))
        assert refused.status_code == 401, refused.text  # level 0: not even a draft
        assert refused.headers["content-type"] == "application/problem+json"
        # the development Dukcapil adapter matches a valid NIK whose digits 7-12 encode the birth date
        born = date(1990, 8, 17)
        nik = f"127203{born:%d%m%y}{secrets.randbelow(9999) + 1:04d}"
        wrong = await gateway.post(
            "/identity/v1/me/nik/verify",
            json={"nik": nik, "birth_date": "1990-08-18"},
            headers=bearer(token),
        )
        assert ok(wrong)["outcome"] == "not_matched"
        matched = ok(
            await gateway.post(
                "/identity/v1/me/nik/verify",
                json={"nik": nik, "birth_date": born.isoformat()},
                headers=bearer(token),
            )
        )
        assert matched["outcome"] == "verified"
        assert matched["assurance"]["level"] == 2
        fresh = await citizen_token(gateway, phone, password)  # the level is in new tokens (acr)
        profile = await me(gateway, fresh)
        assert profile["assurance"]["level"] == 2
        assert profile["nik"] != nik
        assert "*" in profile["nik"]
        permit["citizen"] = fresh

    async def test_02_applies_for_a_billboard_permit_with_its_documents(
        self, gateway: httpx.AsyncClient, permit: Scenario
    ) -> None:
        app = await file_application(gateway, permit["citizen"], "izin-reklame", REKLAME_FORM)
        assert app["technical_opd"] == "PUTR"
        assert app["oss_status"] == "09"
        permit["reklame"] = app

    async def test_03_dpmptsp_checks_completeness_and_verifies(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        officer = await tokens.staff(gateway, "dpmptsp.officer")
        app = ok(await act(gateway, officer, permit["reklame"], "completeness", {"complete": True}))
        assert app["state"] == "verification"
        applicant = await act(gateway, permit["citizen"], app, "verification", {"decision": "accept"})
        assert applicant.status_code == 403, applicant.text
        app = ok(await act(gateway, officer, app, "verification", {"decision": "accept", "note": "Lengkap"}))
        assert app["state"] == "technical_review"
        permit["reklame"] = app

    async def test_04_the_technical_opd_recommends(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        app = permit["reklame"]
        putr = await tokens.staff(gateway, "putr.officer")
        inbox = ok(await gateway.get("/permits/v1/tasks", headers=bearer(putr)))["items"]
        assert app["id"] in [t["application_id"] for t in inbox]
        dlh = await tokens.staff(gateway, "dlh.officer")  # another OPD's officer: not theirs to see
        foreign = await act(
            gateway, dlh, app, "recommendation", {"decision": "recommend", "letter_number": "X"}
        )
        assert foreign.status_code in (403, 404), foreign.text
        body = {"decision": "recommend", "letter_number": "600/REK/PUTR/2026", "note": "Konstruksi aman"}
        app = ok(await act(gateway, putr, app, "recommendation", body))
        assert app["state"] == "inspection"
        permit["reklame"] = app

    async def test_05_the_site_is_inspected(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        app = permit["reklame"]
        inspector = await tokens.staff(gateway, "putr.officer")
        inspector_id = (await me(gateway, inspector))["id"]
        supervisor = await tokens.staff(gateway, "putr.supervisor")
        when = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        body = {"inspector_id": inspector_id, "scheduled_for": when}
        app = ok(await act(gateway, supervisor, app, "inspection/schedule", body))
        assert app["state"] == "inspection"
        result = {"result": "passed", "notes": "Ukuran dan letak sesuai gambar konstruksi"}
        app = ok(await act(gateway, inspector, app, "inspection/result", result))
        assert app["state"] == "approval"
        assert app["approval_role"] == "officer"  # the seeded chain: officer, then supervisor
        permit["reklame"] = app

    async def test_06_the_approval_chain_decides(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        app = permit["reklame"]
        supervisor = await tokens.staff(gateway, "dpmptsp.supervisor")
        early = await act(gateway, supervisor, app, "approval", {"decision": "approve"})
        assert early.status_code == 403, early.text  # not the supervisor's turn yet
        # the first level is the DPMPTSP back office's sign-off (officer), the second the supervisor's
        officer = await tokens.staff(gateway, "dpmptsp.officer")
        first = await act(gateway, officer, app, "approval", {"decision": "approve"})
        app = ok(first)
        app = ok(await act(gateway, supervisor, app, "approval", {"decision": "approve"}))
        assert app["state"] == "issued"
        assert app["permit"]["number"].endswith(f"/REKL/DPMPTSP/{datetime.now(UTC).year}")

    async def test_07_the_admin_configures_a_permit_type_with_a_levy(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        """No seeded type carries a fee (the billboard permit's service fee is Rp 0 by law), so the admin
        adds one with a levy per m², as the city would for a retribusi permit."""
        base = ok(await gateway.get("/permits/v1/permit-types/izin-reklame"))["definition"]
        definition = {
            **base,
            "name": {"id": "Izin Reklame Berbayar", "en": "Billboard permit with a levy"},
            "technical_opd": None,
            "inspection_required": False,
            "open_data": None,
            "requirements": [r for r in base["requirements"] if r["code"] in ("permohonan", "ktp")],
            "approval_chain": ["supervisor"],
            "fee": {
                "kind": "retribusi",
                "method": "rate",
                "rate": LEVY_RATE,
                "quantity_field": "luas_m2",
                "unit": "m2",
            },
            "number_code": "RET",
        }
        body = {"code": "izin-reklame-berbayar", "definition": definition, "reason": "Retribusi per m2"}
        refused = await gateway.post("/permits/v1/permit-types", json=body, headers=bearer(permit["citizen"]))
        assert refused.status_code == 403, refused.text
        admin = await tokens.staff(gateway, "admin")
        created = ok(await gateway.post("/permits/v1/permit-types", json=body, headers=bearer(admin)), 201)
        assert created["definition"]["fee"]["rate"] == LEVY_RATE
        permit["levy_type"] = created["code"]

    async def test_08_the_fee_is_assessed(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        app = await file_application(gateway, permit["citizen"], permit["levy_type"], REKLAME_FORM)
        officer = await tokens.staff(gateway, "dpmptsp.officer")
        app = ok(await act(gateway, officer, app, "completeness", {"complete": True}))
        app = ok(await act(gateway, officer, app, "verification", {"decision": "accept"}))
        assert app["state"] == "fee_assessment"
        app = ok(await act(gateway, officer, app, "fee-assessment"))
        assert app["state"] == "awaiting_payment"
        assert app["fee"]["amount"] == 127500  # 8.5 m² × Rp 15.000
        assert app["fee"]["paid_at"] is None
        assert app["fee"]["billing_code"]
        permit["levy"] = app

    async def test_09_the_bank_callback_pays_it(
        self, gateway: httpx.AsyncClient, platform: Platform, permit: Scenario
    ) -> None:
        app, secret = permit["levy"], bank_secret(platform)
        payload = {
            "payment_reference": f"BSU-{uuid.uuid4().hex[:12]}",
            "billing_code": app["fee"]["billing_code"],
            "amount": app["fee"]["amount"],
            "paid_at": datetime.now(UTC).isoformat(),
        }
        callback = "/permits/v1/payments/bank-callback"
        body, headers = bank_callback(secret, payload)
        forged = await gateway.post(callback, content=body.replace(b"127500", b"1"), headers=headers)
        assert forged.status_code == 401, forged.text
        request_id = f"e2e-bank-{uuid.uuid4()}"
        paid = ok(await gateway.post(callback, content=body, headers={**headers, "X-Request-ID": request_id}))
        assert await in_logs(platform, request_id, "gateway", "permits") == []
        assert paid["application_id"] == app["id"]
        assert paid["state"] == "approval"
        assert paid["duplicate"] is False
        again = ok(await gateway.post(callback, content=body, headers=headers))  # the bank retries
        assert again["duplicate"] is True
        current = ok(await gateway.get(f"{APPLICATIONS}/{app['id']}", headers=bearer(permit["citizen"])))
        assert current["fee"]["paid_at"] is not None
        assert current["state"] == "approval"
        permit["levy"] = current

    async def test_10_the_approval_chain_approves_and_the_permit_is_issued(
        self, gateway: httpx.AsyncClient, tokens: Tokens, permit: Scenario
    ) -> None:
        app = permit["levy"]
        officer = await tokens.staff(gateway, "dpmptsp.officer")
        assert (await act(gateway, officer, app, "approval", {"decision": "approve"})).status_code == 403
        supervisor = await tokens.staff(gateway, "dpmptsp.supervisor")
        app = ok(await act(gateway, supervisor, app, "approval", {"decision": "approve", "note": "Setuju"}))
        assert app["state"] == "issued"
        assert app["oss_status"] == "50"
        assert "/RET/" in app["permit"]["number"]
        history = ok(
            await gateway.get(f"{APPLICATIONS}/{app['id']}/history", headers=bearer(permit["citizen"]))
        )["items"]
        actions = [h["action"] for h in history]
        assert actions[0] == "create"
        assert actions[-1] == "issue"
        assert actions.count("payment") == 1
        permit["issued"] = app

    async def test_11_the_qr_code_verifies_publicly(
        self, gateway: httpx.AsyncClient, platform: Platform, tokens: Tokens, permit: Scenario
    ) -> None:
        app = permit["issued"]
        other = await tokens.demo_citizen(gateway, "+6281200000101")
        pdf_path = f"{APPLICATIONS}/{app['id']}/permit.pdf"
        assert (await gateway.get(pdf_path, headers=bearer(other))).status_code == 404
        pdf = await gateway.get(pdf_path, headers=bearer(permit["citizen"]))
        assert pdf.status_code == 200, pdf.text
        assert pdf.content.startswith(b"%PDF")
        link = re.search(rb"/URI \((?P<url>[^)]+)\)", pdf.content)
        assert link is not None, "the permit PDF has no verification link"
        url = link.group("url").decode()
        prefix = f"{platform.gateway_url}/permits/v1/verify/"
        assert url.startswith(prefix), url
        code = url.removeprefix(prefix)
        number = app["permit"]["number"]
        async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as anonymous:
            as_json = ok(await anonymous.get(url, headers={"Accept": "application/json"}))
            assert as_json["number"] == number
            assert as_json["status"] == "valid"
            assert as_json["signature_valid"] is True
            masked = as_json["holder_name_masked"]
            assert masked != "Rina Simanjuntak"
            assert "*" in masked
            assert masked.startswith("R")
            page = await anonymous.get(
                f"/permits/v1/verify/{code}", headers={"Accept": "text/html", "Accept-Language": "id"}
            )
            assert page.status_code == 200, page.text
            assert page.headers["content-type"].startswith("text/html")
            assert number in page.text
            assert masked in page.text
            assert "Simanjuntak" not in page.text
            assert "content-security-policy" in page.headers
            unknown = await anonymous.get(
                f"/permits/v1/verify/{'A' * 32}", headers={"Accept": "application/json"}
            )
            assert unknown.status_code == 404

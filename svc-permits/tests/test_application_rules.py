"""Bad input and the attacker's view: wrong state, wrong role, stale versions, files, fees, callbacks, QR."""

import json
import time
import uuid
from typing import Any

import pytest
from helpers import PREFIX, admin, seed_types, staff
from httpx import AsyncClient
from journey import APPS, FORMS, PDF, Actors, act, file_application, jpeg, ok, png
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue

from siantar_permits.payment.callback import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_bank_callback
from siantar_permits.permit_type.seed import catalogue
from siantar_shared.testing.tokens import TestKeys

CALLBACK = f"{PREFIX}/payments/bank-callback"


async def fee_type(client: AsyncClient, test_keys: TestKeys) -> None:
    """A local type with a retribusi of Rp 15.000 per m² (like PBG's levy) and a two-level chain."""
    base = catalogue().types[0].definition.model_dump(mode="json")
    base.update(
        technical_opd=None,
        inspection_required=False,
        open_data=None,
        holder="organisation",
        requirements=[base["requirements"][0]],
        fee={"kind": "retribusi", "method": "rate", "rate": 15000, "quantity_field": "luas_m2", "unit": "m2"},
        number_code="RET",
    )
    body = {"code": "izin-retribusi", "definition": base, "reason": "Uji retribusi"}
    ok(await client.post(f"{PREFIX}/permit-types", json=body, headers=admin(test_keys)), 201)


async def to_payment(client: AsyncClient, actors: Actors) -> dict[str, Any]:
    form = {**FORMS["izin-reklame"], "luas_m2": "8.5"}
    created = ok(
        await client.post(
            APPS,
            json={"type": "izin-retribusi", "applicant_name": "PT A", "form": form},
            headers=actors.applicant(),
        ),
        201,
    )
    ok(
        await client.post(
            f"{APPS}/{created['id']}/documents/permohonan",
            files={"file": ("a.pdf", PDF, "application/pdf")},
            headers=actors.applicant(),
        ),
        201,
    )
    app = ok(await act(client, created, "submit", actors.applicant()))
    app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
    app = ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
    assert app["state"] == "fee_assessment"
    return ok(await act(client, app, "fee-assessment", actors.officer()))


async def payment_slip(client: AsyncClient, actors: Actors, app: dict[str, Any]) -> dict[str, Any]:
    """The officer uploads the applicant's counter payment slip (the proof a counter payment names)."""
    return ok(
        await client.post(
            f"{APPS}/{app['id']}/documents/payment_proof",
            files={"file": ("slip.jpg", jpeg(), "image/jpeg")},
            headers=actors.officer(),
        ),
        201,
    )


def signed(secret: str, payload: dict[str, Any], at: int | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    stamp = str(at if at is not None else int(time.time()))
    headers = {
        TIMESTAMP_HEADER: stamp,
        SIGNATURE_HEADER: sign_bank_callback(secret.encode(), body, stamp),
        "Content-Type": "application/json",
    }
    return body, headers


@pytest.fixture
def secret(app_state: dict[str, Any]) -> str:
    return str(app_state["settings"].BANK_CALLBACK_SECRET.get_secret_value())


class TestFeesAndPayment:
    async def test_callback_pays_once(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys, secret: str
    ) -> None:
        await seed_types(session)
        await fee_type(client, test_keys)
        actors = Actors(test_keys)
        app = await to_payment(client, actors)
        fee = app["fee"]
        assert fee["amount"] == 127500  # 8.5 m² × Rp 15.000
        assert app["state"] == "awaiting_payment"
        payload = {
            "payment_reference": "BSU-1",
            "billing_code": fee["billing_code"],
            "amount": 127500,
            "paid_at": "2026-11-28T09:00:00+07:00",
        }
        wrong = {**payload, "amount": 127000, "payment_reference": "BSU-0"}
        body, headers = signed(secret, wrong)
        assert (await client.post(CALLBACK, content=body, headers=headers)).status_code == 409
        tampered_body, headers = signed(secret, payload)
        tampered = tampered_body.replace(b"127500", b"127501")
        assert (await client.post(CALLBACK, content=tampered, headers=headers)).status_code == 401
        stale_body, stale_headers = signed(secret, payload, at=int(time.time()) - 3600)
        assert (await client.post(CALLBACK, content=stale_body, headers=stale_headers)).status_code == 401
        unsigned = await client.post(
            CALLBACK, content=tampered_body, headers={"Content-Type": "application/json"}
        )
        assert unsigned.status_code == 401
        body, headers = signed(secret, payload)
        first = ok(await client.post(CALLBACK, content=body, headers=headers))
        assert first == {
            "application_id": app["id"],
            "payment_reference": "BSU-1",
            "amount": 127500,
            "state": "approval",
            "duplicate": False,
            "surplus": False,
        }
        again = ok(await client.post(CALLBACK, content=body, headers=headers))
        assert again["duplicate"] is True
        current = ok(await client.get(f"{APPS}/{app['id']}", headers=actors.applicant()))
        assert current["fee"]["paid_at"] is not None
        history = ok(await client.get(f"{APPS}/{app['id']}/history", headers=actors.applicant()))["items"]
        assert [h["action"] for h in history].count("payment") == 1

    async def test_officer_payment_needs_proof_and_exact_amount(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        await fee_type(client, test_keys)
        actors = Actors(test_keys)
        app = await to_payment(client, actors)
        proof = await payment_slip(client, actors, app)
        body = {
            "payment_reference": "TELLER-9",
            "amount": 1,
            "paid_at": "2026-11-28T09:00:00+07:00",
            "proof_document_id": proof["id"],
        }
        assert (await act(client, app, "payments", actors.officer(), body)).status_code == 409
        body["amount"] = 127500
        assert (await act(client, app, "payments", actors.applicant(), body)).status_code == 403
        recorded = ok(await act(client, app, "payments", actors.officer(), body))
        assert recorded["state"] == "approval"

    async def test_a_bank_payment_after_a_counter_payment_is_kept_for_a_refund(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys, secret: str
    ) -> None:
        """The applicant paid at the counter and then at the bank: the bank has the money, so its callback is
        accepted and kept as a surplus (to refund), and the application does not move."""
        await seed_types(session)
        await fee_type(client, test_keys)
        actors = Actors(test_keys)
        app = await to_payment(client, actors)
        proof = await payment_slip(client, actors, app)
        counter = {"payment_reference": "TELLER-1", "amount": 127500, "paid_at": "2026-11-28T09:00:00+07:00",
                   "proof_document_id": proof["id"]}  # fmt: skip
        assert ok(await act(client, app, "payments", actors.officer(), counter))["state"] == "approval"
        payload = {"payment_reference": "BSU-2", "billing_code": app["fee"]["billing_code"], "amount": 127500,
                   "paid_at": "2026-11-28T10:00:00+07:00"}  # fmt: skip
        body, headers = signed(secret, payload)
        kept = ok(await client.post(CALLBACK, content=body, headers=headers))
        assert (kept["surplus"], kept["duplicate"], kept["state"]) == (True, False, "approval")
        again = ok(await client.post(CALLBACK, content=body, headers=headers))
        assert (again["surplus"], again["duplicate"]) == (True, True)
        rows = (
            await session.execute(text("SELECT reference, surplus FROM payment ORDER BY reference"))
        ).all()
        assert [tuple(row) for row in rows] == [("BSU-2", True), ("TELLER-1", False)]
        history = ok(await client.get(f"{APPS}/{app['id']}/history", headers=actors.applicant()))["items"]
        actions = [h["action"] for h in history]
        assert actions.count("payment") == 1
        assert actions.count("surplus_payment") == 1
        # an officer recording a second counter payment is still refused: the fee is settled
        second = {**counter, "payment_reference": "TELLER-2"}
        current = ok(await client.get(f"{APPS}/{app['id']}", headers=actors.officer()))
        assert (await act(client, current, "payments", actors.officer(), second)).status_code in (409, 422)


class TestWorkflowRules:
    async def test_approval_out_of_order_and_two_officers_at_once(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        actors = Actors(test_keys)
        app = await file_application(client, actors, "sip-dokter")
        app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
        app = ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
        app = ok(
            await act(
                client,
                app,
                "recommendation",
                staff(test_keys, "officer", "DINKES"),
                {"decision": "recommend", "letter_number": "R/1"},
            )
        )
        assert app["approval_role"] == "officer"
        early = await act(client, app, "approval", actors.officer("supervisor"), {"decision": "approve"})
        assert early.status_code == 403
        assert early.json()["type"].endswith("/not-your-turn")
        first = await act(client, app, "approval", actors.officer("officer"), {"decision": "approve"})
        second = await act(client, app, "approval", actors.officer("officer"), {"decision": "approve"})
        assert sorted([first.status_code, second.status_code]) == [200, 412]
        missing = await client.post(
            f"{APPS}/{app['id']}/approval", json={"decision": "approve"}, headers=actors.officer("supervisor")
        )
        assert missing.status_code == 428

    async def test_return_pauses_the_clock_and_resubmission_resumes(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        actors = Actors(test_keys)
        app = await file_application(client, actors, "izin-penelitian")
        app = ok(
            await act(
                client,
                app,
                "completeness",
                actors.officer(),
                {"complete": False, "missing": ["proposal"], "note": "Proposal tidak terbaca"},
            )
        )
        assert app["state"] == "returned"
        assert app["oss_status"] == "41"
        assert app["sla"]["paused"] is True
        assert (
            await act(client, app, "completeness", actors.officer(), {"complete": True})
        ).status_code == 409
        ok(
            await client.post(
                f"{APPS}/{app['id']}/documents/proposal",
                files={"file": ("p.pdf", PDF, "application/pdf")},
                headers=actors.applicant(),
            ),
            201,
        )
        app = ok(await client.get(f"{APPS}/{app['id']}", headers=actors.applicant()))
        app = ok(await act(client, app, "submit", actors.applicant()))
        assert app["state"] == "submitted"
        assert app["sla"]["paused"] is False
        docs = ok(await client.get(f"{APPS}/{app['id']}/documents", headers=actors.applicant()))["items"]
        proposals = [d for d in docs if d["requirement_code"] == "proposal"]
        assert [d["version"] for d in proposals] == [1, 2]
        download = await client.get(
            f"{APPS}/{app['id']}/documents/{proposals[1]['id']}", headers=actors.officer()
        )
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/pdf"
        assert download.content == PDF
        assert download.headers["x-content-sha256"] == proposals[1]["sha256"]
        history = ok(await client.get(f"{APPS}/{app['id']}/history", headers=actors.applicant()))["items"]
        assert [h["oss_status"] for h in history if h["action"] in ("return", "resubmit")] == ["41", "42"]
        uploads = [
            h["data"] for h in history if h["action"] == "upload" and h["data"]["requirement"] == "proposal"
        ]
        assert [u["version"] for u in uploads] == [1, 2]
        assert uploads[1]["sha256"] == proposals[1]["sha256"]

    async def test_submit_needs_level_2_and_documents(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        actors = Actors(test_keys)
        low = await client.post(
            APPS, json={"type": "sipa", "applicant_name": "A", "form": {}}, headers=actors.applicant(acr=0)
        )
        assert low.status_code == 401
        app = ok(
            await client.post(
                APPS,
                json={"type": "sipa", "applicant_name": "A", "form": FORMS["sipa"]},
                headers=actors.applicant(acr=1),
            ),
            201,
        )
        assert (await act(client, app, "submit", actors.applicant(acr=1))).status_code == 401
        refused = await act(client, app, "submit", actors.applicant())
        assert refused.status_code == 422
        assert "str" in refused.json()["missing"]
        tracked = await client.post(
            APPS, json={"type": "pbg", "applicant_name": "A", "form": {}}, headers=actors.applicant()
        )
        assert tracked.status_code == 422

    @pytest.mark.parametrize(
        ("data", "status"),
        [(b"MZ\x90\x00 not a pdf", 415), (png(), 415), (PDF + b"x" * (5 * 1024 * 1024), 413)],
    )
    async def test_wrong_file(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys, data: bytes, status: int
    ) -> None:
        await seed_types(session)
        actors = Actors(test_keys)
        app = ok(
            await client.post(
                APPS, json={"type": "sipa", "applicant_name": "A", "form": {}}, headers=actors.applicant()
            ),
            201,
        )
        response = await client.post(
            f"{APPS}/{app['id']}/documents/str",
            files={"file": ("str.pdf", data, "application/pdf")},
            headers=actors.applicant(),
        )
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert (
            ok(await client.get(f"{APPS}/{app['id']}/documents", headers=actors.applicant()))["items"] == []
        )

    async def test_revoked_permit_says_so_on_verification(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        actors = Actors(test_keys)
        app = await drive_to_issue(client, actors, await file_application(client, actors, "izin-reklame"))
        code = await verification_code(client, actors, app)
        valid = ok(await client.get(f"{PREFIX}/verify/{code}"))
        assert valid["status"] == "valid"
        assert valid["signature_valid"] is True
        assert valid["holder_name_masked"] == "C* M*** B******"
        assert "CV Maju" not in json.dumps(valid)
        raw = await session.scalar(
            text("SELECT signed_fields FROM permit")
        )  # sealed at rest, still verifiable
        assert b"CV Maju" not in bytes(raw)
        assert (
            await act(client, app, "revoke", actors.officer("officer"), {"reason": "x"})
        ).status_code == 403
        ok(await act(client, app, "revoke", actors.officer("supervisor"), {"reason": "Reklame dibongkar"}))
        revoked = ok(await client.get(f"{PREFIX}/verify/{code}"))
        assert revoked["status"] == "revoked"
        assert (await client.get(f"{PREFIX}/verify/{'A' * 32}")).status_code == 404


async def verification_code(client: AsyncClient, actors: Actors, app: dict[str, Any]) -> str:
    """The code printed in the QR: read back from the PDF's verification URL."""
    pdf = await client.get(f"{APPS}/{app['id']}/permit.pdf", headers=actors.applicant())
    marker = b"/permits/v1/verify/"
    start = pdf.content.find(marker)
    assert start > 0, "the verification URL is printed in the PDF"
    tail = pdf.content[start + len(marker) : start + len(marker) + 64]
    return tail[:32].decode()  # secrets.token_urlsafe(24): 32 characters


class TestFourEyes:
    async def test_one_person_gives_one_approval_in_a_chain(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        """A chain may ask the same role twice; it still needs two people."""
        await seed_types(session)
        base = catalogue().types[0].definition.model_dump(mode="json")
        base.update(
            technical_opd=None,
            inspection_required=False,
            open_data=None,
            holder="organisation",
            requirements=[base["requirements"][0]],
            approval_chain=["officer", "officer"],
            number_code="DUA",
        )
        body = {"code": "izin-dua-paraf", "definition": base, "reason": "Uji dua paraf"}
        ok(await client.post(f"{PREFIX}/permit-types", json=body, headers=admin(test_keys)), 201)
        actors = Actors(test_keys)
        created = ok(
            await client.post(
                APPS,
                json={"type": "izin-dua-paraf", "applicant_name": "PT B", "form": FORMS["izin-reklame"]},
                headers=actors.applicant(),
            ),
            201,
        )
        ok(
            await client.post(
                f"{APPS}/{created['id']}/documents/permohonan",
                files={"file": ("a.pdf", PDF, "application/pdf")},
                headers=actors.applicant(),
            ),
            201,
        )
        app = ok(await act(client, created, "submit", actors.applicant()))
        app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
        app = ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
        assert app["state"] == "approval"
        same = uuid.uuid4()
        first_officer = staff(test_keys, "officer", subject=same)
        app = ok(await act(client, app, "approval", first_officer, {"decision": "approve"}))
        again = await act(
            client, app, "approval", staff(test_keys, "officer", subject=same), {"decision": "approve"}
        )
        assert again.status_code == 403
        assert again.json()["type"].endswith("/not-your-turn")
        app = ok(await act(client, app, "approval", staff(test_keys, "officer"), {"decision": "approve"}))
        assert app["state"] == "issued"

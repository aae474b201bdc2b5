"""Staff work on personal data: the data-request queue, completing requests, purpose-bound reads."""

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from factories_privacy import bearer, create_account, outbox_messages
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountKind
from siantar_identity.audit.models import AuditRecord
from siantar_identity.privacy.models import DataRequest
from siantar_identity.security.context import Crypto
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

QUEUE = "/identity/v1/data-requests"
NIK = "1272015708900001"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


async def pii_reads(session: AsyncSession, subject_id: uuid.UUID) -> list[AuditRecord]:
    statement = select(AuditRecord).where(
        AuditRecord.action == "pii.read", AuditRecord.subject_id == subject_id
    )
    return list(await session.scalars(statement))


class TestDataRequestQueue:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(QUEUE)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("role", ["citizen", "officer", "verifier", "service"])
    async def test_other_roles_are_403(self, role: str, client: AsyncClient, test_keys: TestKeys) -> None:
        assert (await client.get(QUEUE, headers=bearer(test_keys, uuid.uuid4(), [role]))).status_code == 403

    @pytest.mark.auth(roles=["dpo"])
    async def test_overdue_first_and_reads_recorded(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto
    ) -> None:
        person = await create_account(session, crypto)
        now = datetime.now(UTC)
        due = [now + timedelta(hours=48), now - timedelta(hours=5), now + timedelta(hours=1)]
        rows = [
            await save(session, DataRequest(account_id=person.id, kind="access", due_at=at)) for at in due
        ]
        rows[2].details_ciphertext = crypto.ring.encrypt(
            '{"message": "Tolong kirim salinan", "correction": null}', context="data_request.details"
        )
        await save(session, DataRequest(account_id=person.id, kind="access", due_at=now, status="completed"))
        await session.flush()

        first = await client.get(QUEUE, params={"limit": 2})
        assert first.status_code == 200
        page = first.json()
        assert [item["id"] for item in page["items"]] == [str(rows[1].id), str(rows[2].id)]
        assert [item["overdue"] for item in page["items"]] == [True, False]
        assert page["items"][1]["message"] == "Tolong kirim salinan"
        second = (await client.get(QUEUE, params={"limit": 2, "cursor": page["next_cursor"]})).json()
        assert [item["id"] for item in second["items"]] == [str(rows[0].id)]
        assert second["next_cursor"] is None
        [read] = await pii_reads(session, person.id)
        assert read.purpose == "data_request_handling"
        assert read.detail == {"data_request_id": str(rows[2].id)}
        closed = (await client.get(QUEUE, params={"status": "completed"})).json()["items"]
        assert [item["status"] for item in closed] == ["completed"]


class TestCompleteDataRequest:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{QUEUE}/{uuid.uuid4()}/complete", json={"note": "x"})).status_code == 401

    @pytest.mark.auth(roles=["citizen"])
    async def test_citizen_is_403(self, client: AsyncClient) -> None:
        assert (await client.post(f"{QUEUE}/{uuid.uuid4()}/complete", json={"note": "x"})).status_code == 403

    @pytest.mark.auth(roles=["dpo"])
    async def test_unknown_is_404(self, client: AsyncClient) -> None:
        assert (await client.post(f"{QUEUE}/{uuid.uuid4()}/complete", json={"note": "x"})).status_code == 404

    async def test_completes_notifies_and_audits(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        phone = "+628137" + uuid.uuid4().hex[:8].translate(str.maketrans("abcdef", "123456"))
        person = await create_account(session, crypto, phone=phone)
        entry = await save(
            session,
            DataRequest(
                account_id=person.id, kind="correction", due_at=datetime.now(UTC) + timedelta(days=3)
            ),
        )
        dpo = uuid.uuid4()
        headers = bearer(test_keys, dpo, ["dpo"])
        body = {"note": "Nama telah diperbaiki sesuai KTP.", "outcome": "completed"}
        response = await client.post(f"{QUEUE}/{entry.id}/complete", json=body, headers=headers)
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["note"]) == ("completed", body["note"])
        await session.refresh(entry)
        assert entry.completed_by == dpo
        assert entry.completed_at is not None
        [message] = [m for m in outbox_messages(outbox, "sms", "perbaikan data") if m["to"] == phone]
        assert message["body"] == (
            "Permintaan Anda (perbaikan data) telah diselesaikan. Keterangannya ada di akun Siantar Anda."
        )
        audited = await session.scalars(
            select(AuditRecord).where(
                AuditRecord.action == "data_request.completed", AuditRecord.actor_id == dpo
            )
        )
        assert [a.subject_id for a in audited] == [person.id]
        again = await client.post(f"{QUEUE}/{entry.id}/complete", json=body, headers=headers)
        assert again.status_code == 409

    @pytest.mark.auth(roles=["admin"])
    async def test_note_is_required(self, client: AsyncClient, session: AsyncSession, crypto: Crypto) -> None:
        person = await create_account(session, crypto)
        entry = await save(
            session, DataRequest(account_id=person.id, kind="access", due_at=datetime.now(UTC))
        )
        response = await client.post(f"{QUEUE}/{entry.id}/complete", json={"outcome": "refused"})
        assert response.status_code == 422
        await session.refresh(entry)
        assert entry.status == "open"


def url(account_id: uuid.UUID, purpose: str | None = "complaint_handling") -> str:
    query = f"?purpose={purpose}" if purpose else ""
    return f"/identity/v1/accounts/{account_id}/personal-data{query}"


class TestReadPersonalData:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.get(url(uuid.uuid4()))).status_code == 401

    @pytest.mark.parametrize("role", ["citizen", "officer", "supervisor", "inspector", "service"])
    async def test_other_roles_are_403(
        self, role: str, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto)
        response = await client.get(url(person.id), headers=bearer(test_keys, uuid.uuid4(), [role]))
        assert response.status_code == 403
        assert await pii_reads(session, person.id) == []

    @pytest.mark.parametrize("purpose", [None, "curiosity"])
    @pytest.mark.auth(roles=["dpo"])
    async def test_purpose_is_required(
        self, purpose: str | None, client: AsyncClient, session: AsyncSession, crypto: Crypto
    ) -> None:
        person = await create_account(session, crypto)
        response = await client.get(url(person.id, purpose))
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/purpose"

    async def test_verifier_reads_a_citizens_contacts_for_a_complaint(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, phone="+6281377003344", nik=NIK)
        verifier = uuid.uuid4()
        response = await client.get(url(person.id), headers=bearer(test_keys, verifier, ["verifier"]))
        assert response.status_code == 200
        data = response.json()
        assert (data["full_name"], data["phone"], data["phone_verified"]) == (
            "Rina Simanjuntak",
            "+6281377003344",
            True,
        )
        assert data["nik"] is None
        [read] = await pii_reads(session, person.id)
        assert (read.actor_id, read.purpose, read.outcome) == (verifier, "complaint_handling", "success")
        assert read.detail == {"fields": ["full_name", "phone", "email"]}

    async def test_the_case_is_recorded_with_the_read(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto)
        headers = bearer(test_keys, uuid.uuid4(), ["verifier"])
        response = await client.get(url(person.id) + "&reference=LPR-2026-000042", headers=headers)
        assert response.status_code == 200
        [read] = await pii_reads(session, person.id)
        assert read.detail == {"fields": ["full_name", "phone", "email"], "reference": "LPR-2026-000042"}
        bad = await client.get(url(person.id) + "&reference=%3Cscript%3E", headers=headers)
        assert bad.status_code == 422

    async def test_verifier_may_not_read_staff_or_for_other_purposes(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        officer = await create_account(session, crypto, kind=AccountKind.staff, roles=("officer",))
        citizen = await create_account(session, crypto)
        headers = bearer(test_keys, uuid.uuid4(), ["verifier"])
        assert (await client.get(url(officer.id), headers=headers)).status_code == 403
        refused = await client.get(url(citizen.id, "account_support"), headers=headers)
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/purpose-not-allowed")
        for subject in (officer.id, citizen.id):  # each refusal is on record, and nothing was read
            [entry] = await pii_reads(session, subject)
            assert entry.outcome == "denied"

    async def test_dpo_reads_the_nik(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, nik=NIK)
        response = await client.get(
            url(person.id, "data_request_handling"), headers=bearer(test_keys, uuid.uuid4(), ["dpo"])
        )
        assert response.status_code == 200
        assert response.json()["nik"] == NIK
        [read] = await pii_reads(session, person.id)
        assert read.detail == {"fields": ["full_name", "phone", "email", "nik"]}

    async def test_admin_only_for_admin_purposes(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, nik=NIK)
        headers = bearer(test_keys, uuid.uuid4(), ["admin"])
        assert (await client.get(url(person.id, "data_request_handling"), headers=headers)).status_code == 403
        response = await client.get(url(person.id, "account_support"), headers=headers)
        assert response.status_code == 200
        assert response.json()["nik"] == NIK

    @pytest.mark.auth(roles=["dpo"])
    async def test_unknown_account_is_404(self, client: AsyncClient) -> None:
        assert (await client.get(url(uuid.uuid4(), "legal_request"))).status_code == 404


class TestGrantedRequestsAreCarriedOut:
    """A staff member's erasure, restriction or restriction_lift waits for the DPO; granting it does it."""

    async def staff_request(
        self, session: AsyncSession, crypto: Crypto, kind: str, *, restricted: bool = False
    ) -> tuple[Any, DataRequest, str]:
        phone = "+628139" + uuid.uuid4().hex[:8].translate(str.maketrans("abcdef", "123456"))
        officer = await create_account(
            session, crypto, kind=AccountKind.staff, roles=["officer"], phone=phone,
            username=f"petugas.{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        if restricted:
            officer.restricted_at = datetime.now(UTC)
            await session.flush()
        entry = await save(
            session,
            DataRequest(account_id=officer.id, kind=kind, due_at=datetime.now(UTC) + timedelta(days=3)),
        )
        return officer, entry, phone

    async def complete(
        self, client: AsyncClient, test_keys: TestKeys, entry: DataRequest, outcome: str = "completed"
    ) -> Any:
        headers = bearer(test_keys, uuid.uuid4(), ["dpo"])
        body = {"note": "Sesuai permintaan.", "outcome": outcome}
        return await client.post(f"{QUEUE}/{entry.id}/complete", json=body, headers=headers)

    async def test_a_granted_restriction_restricts_after_telling_them(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        officer, entry, phone = await self.staff_request(session, crypto, "restriction")
        assert (await self.complete(client, test_keys, entry)).status_code == 200
        await session.refresh(officer)
        assert officer.restricted_at is not None
        told = [m for m in outbox_messages(outbox, "sms", "pembatasan pemrosesan") if m["to"] == phone]
        assert len(told) == 1  # sent before the restriction stopped messages

    async def test_a_granted_erasure_erases(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        officer, entry, _ = await self.staff_request(session, crypto, "erasure")
        assert (await self.complete(client, test_keys, entry)).status_code == 200
        await session.refresh(officer)
        assert (officer.status, officer.username, officer.phone_ciphertext) == ("erased", None, None)
        actions = await session.scalars(
            select(AuditRecord.action).where(AuditRecord.subject_id == officer.id)
        )
        assert "account.erased" in list(actions)

    async def test_a_granted_lift_lifts_then_tells_them(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        officer, entry, phone = await self.staff_request(session, crypto, "restriction_lift", restricted=True)
        assert (await self.complete(client, test_keys, entry)).status_code == 200
        await session.refresh(officer)
        assert officer.restricted_at is None
        told = [m for m in outbox_messages(outbox, "sms", "pencabutan pembatasan") if m["to"] == phone]
        assert len(told) == 1  # after the lift: a restricted account gets no message

    async def test_a_refusal_changes_nothing(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        officer, entry, _ = await self.staff_request(session, crypto, "erasure")
        assert (await self.complete(client, test_keys, entry, outcome="refused")).status_code == 200
        await session.refresh(officer)
        assert officer.status == "active"
        assert officer.username is not None

    async def test_what_cannot_apply_is_409_and_stays_open(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        _, entry, _ = await self.staff_request(session, crypto, "restriction", restricted=True)
        assert (await self.complete(client, test_keys, entry)).status_code == 409
        await session.refresh(entry)
        assert entry.status == "open"

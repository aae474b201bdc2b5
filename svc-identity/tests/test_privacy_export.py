"""POST /identity/v1/me/export: everything identity holds about the signed-in person."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from factories_privacy import PASSWORD, bearer, create_account, create_family, random_email, service_bearer
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.models import AuditRecord
from siantar_identity.clock import FrozenClock
from siantar_identity.notify.models import Notification
from siantar_identity.privacy.models import ConsentEvent
from siantar_identity.security.context import Crypto
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/me/export"
NIK = "1272015708900001"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


class TestExport:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(URL, json={"password": PASSWORD})
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_service_token_is_403(self, client: AsyncClient, test_keys: TestKeys) -> None:
        response = await client.post(URL, json={"password": PASSWORD}, headers=service_bearer(test_keys))
        assert response.status_code == 403

    async def test_unknown_account_is_404(self, client: AsyncClient, test_keys: TestKeys) -> None:
        response = await client.post(URL, json={"password": PASSWORD}, headers=bearer(test_keys, uuid4()))
        assert response.status_code == 404

    async def test_password_is_required(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        response = await client.post(URL, json={}, headers=bearer(test_keys, person.id))
        assert response.status_code == 422

    async def test_wrong_password_is_401_and_recorded(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        response = await client.post(
            URL, json={"password": "not it at all"}, headers=bearer(test_keys, person.id)
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="insufficient_user_authentication"'
        assert "nik" not in response.text
        failures = await session.scalars(
            select(AuditRecord).where(
                AuditRecord.subject_id == person.id, AuditRecord.action == "reauth.failed"
            )
        )
        assert [entry.outcome for entry in failures] == ["failure"]  # survives the refusal's rollback
        reads = await session.scalars(
            select(AuditRecord).where(AuditRecord.action == "pii.read", AuditRecord.subject_id == person.id)
        )
        assert reads.all() == []

    async def test_wrong_passwords_are_throttled(
        self,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        clock: FrozenClock,
    ) -> None:
        person = await create_account(session, crypto, password=PASSWORD)
        headers = bearer(test_keys, person.id)
        for _ in range(6):  # five free failures, then growing waits (throttle.policy)
            assert (await client.post(URL, json={"password": "guess"}, headers=headers)).status_code == 401
        response = await client.post(URL, json={"password": PASSWORD}, headers=headers)
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        clock.advance(timedelta(seconds=int(response.headers["retry-after"])))
        assert (await client.post(URL, json={"password": PASSWORD}, headers=headers)).status_code == 200

    async def test_complete_and_audited(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        email = random_email()
        person = await create_account(
            session, crypto, phone="+6281377004455", email=email, nik=NIK, password=PASSWORD
        )
        other = await create_account(session, crypto, nik="1272015708900002")
        family = await create_family(session, person, client_id="siantar-app")
        await create_family(session, other, client_id="other-app")
        await save(
            session,
            ConsentEvent(
                account_id=person.id, purpose="satisfaction_survey", notice_version="2026-11", granted=True
            ),
        )
        await save(
            session, Notification(account_id=person.id, template="fee_assessed", channel="sms", status="sent")
        )
        await save(
            session,
            AuditRecord(
                action="sign_in", actor_id=person.id, actor_kind="account", subject_id=person.id, detail={}
            ),
        )
        await save(
            session,
            AuditRecord(
                action="sign_in", actor_id=other.id, actor_kind="account", subject_id=other.id, detail={}
            ),
        )
        staff = uuid4()
        await save(
            session,
            AuditRecord(
                action="pii.read",
                actor_id=staff,
                actor_kind="account",
                subject_id=person.id,
                ip="10.9.8.7",
                purpose="complaint_handling",
                detail={},
            ),
        )
        created = await client.post(
            "/identity/v1/me/data-requests",
            json={"kind": "access", "message": "Data apa yang disimpan dinas lain?"},
            headers=bearer(test_keys, person.id),
        )
        assert created.status_code == 201

        response = await client.post(URL, json={"password": PASSWORD}, headers=bearer(test_keys, person.id))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"].startswith('attachment; filename="siantar-data-')
        data = response.json()
        profile = data["profile"]
        assert (profile["subject_id"], profile["phone"], profile["email"], profile["nik"]) == (
            str(person.id),
            "+6281377004455",
            email,
            NIK,
        )
        assert data["assurance"]["level"] == 1
        assert data["roles"] == ["citizen"]
        assert [(c["purpose"], c["granted"]) for c in data["consents"]] == [("satisfaction_survey", True)]
        assert [(s["id"], s["client_id"]) for s in data["sessions"]] == [(str(family.id), "siantar-app")]
        assert [(n["template"], n["channel"]) for n in data["notifications"]] == [("fee_assessed", "sms")]
        assert [(r["kind"], r["message"]) for r in data["data_requests"]] == [
            ("access", "Data apa yang disimpan dinas lain?")
        ]
        actions = [entry["action"] for entry in data["audit_trail"]]
        assert actions[0] == "pii.read"
        assert "sign_in" in actions
        assert "data_request.created" in actions
        assert all(str(other.id) not in (e["actor_id"], e["subject_id"]) for e in data["audit_trail"])
        assert data["audit_trail_truncated"] is False
        [by_staff] = [e for e in data["audit_trail"] if e["actor_id"] == str(staff)]
        assert (by_staff["purpose"], by_staff["ip"]) == ("complaint_handling", None)  # not the staff's IP
        read = (
            await session.scalars(
                select(AuditRecord).where(
                    AuditRecord.action == "pii.read",
                    AuditRecord.subject_id == person.id,
                    AuditRecord.actor_id == person.id,
                )
            )
        ).one()
        assert (read.purpose, read.actor_id) == ("data_export", person.id)
        assert datetime.fromisoformat(data["generated_at"]) <= datetime.now(UTC)

"""POST /identity/v1/notifications: who may send, which channel, which language, and who gets nothing."""

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from factories_privacy import (
    create_account,
    fee_payload,
    marker,
    outbox_messages,
    random_email,
    received_payload,
    service_bearer,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountKind, AccountStatus
from siantar_identity.audit.models import AuditRecord
from siantar_identity.config import Settings
from siantar_identity.notify.models import Notification
from siantar_identity.notify.notifiers import Channel, build_notifiers
from siantar_identity.privacy.models import ConsentEvent
from siantar_identity.security.context import Crypto
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/notifications"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


class TestCreateNotification:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(URL, json=received_payload(uuid.uuid4(), "X"))
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.auth(roles=["citizen"], scopes=["notify:send"])
    async def test_citizen_token_is_403(self, client: AsyncClient) -> None:
        assert (await client.post(URL, json=received_payload(uuid.uuid4(), "X"))).status_code == 403

    @pytest.mark.auth(roles=["service"], scopes=["complaints:read"])
    async def test_service_without_scope_is_403(self, client: AsyncClient) -> None:
        response = await client.post(URL, json=received_payload(uuid.uuid4(), "X"))
        assert response.status_code == 403
        assert "insufficient_scope" in response.headers["www-authenticate"]

    async def test_sms_in_indonesian(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person = await create_account(session, crypto, phone="+6281377001122")
        skrd = marker()
        response = await client.post(
            URL, json=fee_payload(person.id, skrd), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "sent"
        assert body["channel"] == "sms"
        assert body["reason"] is None
        [message] = outbox_messages(outbox, "sms", skrd)
        assert message["to"] == "+6281377001122"
        assert "sebesar Rp1.250.000, jatuh tempo 20 Desember 2026" in message["body"]
        row = await session.get(Notification, uuid.UUID(body["id"]))
        assert row is not None
        assert (row.account_id, row.template, row.status, row.requested_by) == (
            person.id,
            "fee_assessed",
            "sent",
            "svc-complaints",
        )

    async def test_english_by_email_when_no_phone(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        email = random_email()
        person = await create_account(session, crypto, phone=None, email=email, language="en")
        skrd = marker()
        response = await client.post(
            URL, json=fee_payload(person.id, skrd), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.json()["channel"] == "email"
        [message] = outbox_messages(outbox, "email", skrd)
        assert message["to"] == email
        assert message["subject"] == "Fee assessed"
        assert "for IDR 1,250,000, due on 20 December 2026" in message["body"]

    async def test_whatsapp_when_consented(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person = await create_account(session, crypto)
        await save(
            session,
            ConsentEvent(
                account_id=person.id,
                purpose="service_updates_whatsapp",
                notice_version="2026-11",
                granted=True,
            ),
        )
        skrd = marker()
        response = await client.post(
            URL, json=fee_payload(person.id, skrd), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.json()["channel"] == "whatsapp"
        assert len(outbox_messages(outbox, "whatsapp", skrd)) == 1

    async def test_requested_channel_used_when_reachable(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person = await create_account(session, crypto, email=random_email())
        skrd = marker()
        body = fee_payload(person.id, skrd, channel="email")
        response = await client.post(URL, json=body, headers=service_bearer(test_keys, "notify:send"))
        assert response.json()["channel"] == "email"
        # WhatsApp without the person's consent is never used: the best channel instead
        body = fee_payload(person.id, skrd, channel="whatsapp")
        response = await client.post(URL, json=body, headers=service_bearer(test_keys, "notify:send"))
        assert response.json()["channel"] == "sms"
        assert outbox_messages(outbox, "whatsapp", skrd) == []

    async def test_unverified_contacts_are_not_used(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person = await create_account(
            session,
            crypto,
            status=AccountStatus.pending,
            phone_verified=False,
            email=random_email(),
            email_verified=False,
        )
        skrd = marker()
        response = await client.post(
            URL, json=fee_payload(person.id, skrd), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.status_code == 202
        assert response.json() == {
            "id": response.json()["id"],
            "status": "no_channel",
            "channel": None,
            "reason": "no_contact",
        }
        assert outbox_messages(outbox, "sms", skrd) == []
        assert outbox_messages(outbox, "email", skrd) == []

    async def test_guest_unverified_phone_is_used(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        guest = await create_account(session, crypto, kind=AccountKind.guest, phone_verified=False, roles=())
        tracking = f"LPR-{uuid.uuid4().hex[:10]}"
        response = await client.post(
            URL, json=received_payload(guest.id, tracking), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.json()["channel"] == "sms"
        [message] = outbox_messages(outbox, "sms", tracking)
        assert message["body"].startswith("Pengaduan Anda telah diterima dengan nomor")

    @pytest.mark.parametrize("status", [AccountStatus.erased, "restricted"])
    async def test_erased_or_restricted_person_is_not_notified(
        self,
        status: str,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        person = await create_account(session, crypto)
        if status == "restricted":
            person.restricted_at = datetime.now(UTC)
        else:
            person.status = AccountStatus.erased
        await session.flush()
        skrd = marker()
        response = await client.post(
            URL, json=fee_payload(person.id, skrd), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.status_code == 202
        assert response.json()["status"] == "no_channel"
        assert response.json()["reason"] == status
        assert outbox_messages(outbox, "sms", skrd) == []

    async def test_unknown_subject_is_404(self, client: AsyncClient, test_keys: TestKeys) -> None:
        response = await client.post(
            URL, json=fee_payload(uuid.uuid4(), "S"), headers=service_bearer(test_keys, "notify:send")
        )
        assert response.status_code == 404

    async def test_logs_and_audit_carry_no_address_or_content(
        self,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        person = await create_account(session, crypto, phone="+6281377009988")
        skrd = marker()
        with caplog.at_level(logging.DEBUG):
            response = await client.post(
                URL, json=fee_payload(person.id, skrd), headers=service_bearer(test_keys, "notify:send")
            )
        assert response.status_code == 202
        assert "6281377009988" not in caplog.text
        assert skrd not in caplog.text
        entry = (
            await session.scalars(
                select(AuditRecord).where(
                    AuditRecord.action == "notification.requested", AuditRecord.subject_id == person.id
                )
            )
        ).one()
        assert entry.client_id == "svc-complaints"
        assert entry.detail == {
            "template": "fee_assessed",
            "channel": "sms",
        }
        assert "6281377009988" not in str(entry.detail)


class TestSwitchedOffChannels:
    def test_none_leaves_a_channel_out(self, settings: Settings) -> None:
        configured = settings.model_copy(update={"WHATSAPP_NOTIFIER": "none", "PUSH_NOTIFIER": "none"})
        notifiers = build_notifiers(configured)
        assert Channel.whatsapp not in notifiers
        assert Channel.push not in notifiers
        assert Channel.sms in notifiers

    def test_unknown_adapter_is_refused(self, settings: Settings) -> None:
        with pytest.raises(ValueError, match="no sms notifier"):
            build_notifiers(settings.model_copy(update={"SMS_NOTIFIER": "carrier-pigeon"}))

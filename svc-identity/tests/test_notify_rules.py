"""POST /identity/v1/notifications: parameters checked against the template, the per-person hourly
limit; and GET /identity/v1/notification-templates."""

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from factories_privacy import create_account, fee_payload, marker, outbox_messages, service_bearer
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.clock import FrozenClock
from siantar_identity.notify.models import Notification
from siantar_identity.security.context import Crypto
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/notifications"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


class TestNotificationRules:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(URL, json={"template": "no_such_template"})
        assert response.status_code == 401  # authentication first: nothing about the body leaks
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize(
        ("params", "pointer"),
        [
            ({"application_number": "A", "skrd_number": "S", "amount": 5}, "#/params/due_date"),
            (
                {"application_number": "A", "skrd_number": "S", "amount": 5, "due_date": "20-12-2026"},
                "#/params/due_date",
            ),
            (
                {"application_number": "A", "skrd_number": "S", "amount": 1.5, "due_date": "2026-12-20"},
                "#/params/amount",
            ),
            (
                {"application_number": "A", "skrd_number": "S", "amount": "-1", "due_date": "2026-12-20"},
                "#/params/amount",
            ),
            (
                {"application_number": "A\nB", "skrd_number": "S", "amount": 5, "due_date": "2026-12-20"},
                "#/params/application_number",
            ),
            (
                {
                    "application_number": "A",
                    "skrd_number": "S",
                    "amount": 5,
                    "due_date": "2026-12-20",
                    "x": "y",
                },
                "#/params/x",
            ),
        ],
    )
    async def test_parameters_must_fit(
        self,
        params: dict[str, Any],
        pointer: str,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
    ) -> None:
        person = await create_account(session, crypto)
        body = {"subject_id": str(person.id), "template": "fee_assessed", "params": params}
        response = await client.post(URL, json=body, headers=service_bearer(test_keys, "notify:send"))
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert pointer in [error["pointer"] for error in response.json()["errors"]]
        assert (
            await session.scalars(select(Notification).where(Notification.account_id == person.id))
        ).all() == []

    @pytest.mark.parametrize("template", ["no_such_template", "verification_code", "password_reset_code"])
    async def test_unknown_or_internal_template_is_422(
        self, template: str, client: AsyncClient, test_keys: TestKeys
    ) -> None:
        body = {
            "subject_id": str(uuid.uuid4()),
            "template": template,
            "params": {"code": "123456", "minutes": "5"},
        }
        response = await client.post(URL, json=body, headers=service_bearer(test_keys, "notify:send"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/template"

    async def test_rate_limited_per_person(
        self,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        clock: FrozenClock,
        app_state: dict[str, Any],
    ) -> None:
        person, other = await create_account(session, crypto), await create_account(session, crypto)
        headers = service_bearer(test_keys, "notify:send")
        limit = app_state["notify_policy"].max_per_hour
        for _ in range(limit):
            assert (
                await client.post(URL, json=fee_payload(person.id, marker()), headers=headers)
            ).status_code == 202
        refused = await client.post(URL, json=fee_payload(person.id, marker()), headers=headers)
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 3600
        assert (
            await client.post(URL, json=fee_payload(other.id, marker()), headers=headers)
        ).status_code == 202
        clock.advance(timedelta(hours=1, seconds=1))
        assert (
            await client.post(URL, json=fee_payload(person.id, marker()), headers=headers)
        ).status_code == 202


class TestListTemplates:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.get("/identity/v1/notification-templates")).status_code == 401

    @pytest.mark.auth(roles=["citizen"])
    async def test_citizen_is_403(self, client: AsyncClient) -> None:
        assert (await client.get("/identity/v1/notification-templates")).status_code == 403

    @pytest.mark.auth(roles=["service"])
    async def test_lists_service_templates_with_parameters(self, client: AsyncClient) -> None:
        response = await client.get("/identity/v1/notification-templates")
        assert response.status_code == 200
        templates = {item["name"]: item for item in response.json()}
        assert {
            "complaint_received",
            "complaint_status_changed",
            "complaint_needs_information",
            "complaint_resolved",
            "complaint_updated",
            "complaint_sla_reminder",
            "complaint_sla_breached",
            "complaint_sla_escalation",
            "permit_application_received",
            "permit_needs_correction",
            "fee_assessed",
            "permit_issued",
            "permit_ready_to_collect",
        } == set(templates)
        kinds = {param["name"]: param["kind"] for param in templates["fee_assessed"]["parameters"]}
        assert kinds == {
            "amount": "money",
            "application_number": "text",
            "due_date": "date",
            "skrd_number": "text",
        }
        status = next(p for p in templates["complaint_status_changed"]["parameters"] if p["name"] == "status")
        assert "in_progress" in status["choices"]
        assert templates["permit_issued"]["body"]["en"].startswith("Your permit has been issued")

    async def test_every_template_renders_in_both_languages(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        listing = (
            await client.get("/identity/v1/notification-templates", headers=service_bearer(test_keys))
        ).json()
        for language, amount in (("id", "Rp150.000"), ("en", "IDR 150,000")):
            text = marker()
            samples = {
                "text": text,
                "date": "2026-12-20",
                "money": 150000,
                "url": "https://siantar.example/r/1",
            }
            for template in listing:  # one person each: more templates than the hourly limit per person
                person = await create_account(session, crypto, language=language)
                params = {
                    p["name"]: p["choices"][0] if p["kind"] == "choice" else samples[p["kind"]]
                    for p in template["parameters"]
                }
                body = {"subject_id": str(person.id), "template": template["name"], "params": params}
                response = await client.post(URL, json=body, headers=service_bearer(test_keys, "notify:send"))
                assert response.json()["status"] == "sent", template["name"]
            messages = outbox_messages(outbox, "sms", text)
            assert len(messages) == len(listing)
            assert not any("{" in m["body"] or "}" in m["body"] for m in messages)
            assert sum(amount in m["body"] for m in messages) == 1

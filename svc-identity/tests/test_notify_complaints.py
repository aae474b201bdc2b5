"""The complaint templates added for the lifecycle's gaps, through POST /identity/v1/notifications: a public
update (`complaint_updated`), the assigned officer's SLA reminder and breach (`complaint_sla_reminder`,
`complaint_sla_breached`), the digest of an SLA escalation to an OPD's supervisors and the verifier desk
(`complaint_sla_escalation`), and the status codes `waiting_for_citizen` and `redirected`."""

import secrets
from pathlib import Path
from typing import Any

import pytest
from factories_privacy import create_account, outbox_messages, service_bearer
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import AccountKind
from siantar_identity.notify.models import Notification
from siantar_identity.notify.templates import SERVICE_TEMPLATES, MissingParameters, ParameterError, render
from siantar_identity.security.context import Crypto
from siantar_shared.i18n import Language
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/notifications"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


def tracking() -> str:
    """A unique tracking number, to find one test's message among the outbox's."""
    return f"ADU-2026-{secrets.token_hex(4).upper()}"


async def send(
    client: AsyncClient, test_keys: TestKeys, subject: object, template: str, params: dict[str, Any]
) -> Any:
    body = {"subject_id": str(subject), "template": template, "params": params}
    return await client.post(URL, json=body, headers=service_bearer(test_keys, "notify:send"))


class TestRendering:
    @pytest.mark.parametrize(
        ("language", "status", "label"),
        [
            ("id", "waiting_for_citizen", "menunggu keterangan dari pelapor"),
            ("en", "waiting_for_citizen", "waiting for information from the reporter"),
            ("id", "redirected", "dialihkan kepada pihak yang berwenang"),
            ("en", "redirected", "redirected to the responsible body"),
            ("en", "not_our_responsibility", "not the responsibility of the city government"),
        ],
    )
    def test_new_status_codes(self, language: Language, status: str, label: str) -> None:
        number = tracking()
        _, body = render("complaint_status_changed", language, {"tracking_number": number, "status": status})
        assert number in body
        assert label in body

    def test_new_templates_are_plain_text_with_kinds(self) -> None:
        for name in (
            "complaint_updated",
            "complaint_sla_reminder",
            "complaint_sla_breached",
            "complaint_sla_escalation",
        ):
            template = SERVICE_TEMPLATES[name]
            assert template.parameters == frozenset(template.params), name
            for text in (template.subject.id, template.subject.en, template.body.id, template.body.en):
                assert "<" not in text, name
                assert "\n" not in text, name
        assert SERVICE_TEMPLATES["complaint_updated"].params["excerpt"].max_length == 300
        assert SERVICE_TEMPLATES["complaint_sla_reminder"].params["due_date"].kind == "date"
        assert SERVICE_TEMPLATES["complaint_sla_breached"].params["due_date"].kind == "date"
        escalation = SERVICE_TEMPLATES["complaint_sla_escalation"].params
        assert escalation["tracking_numbers"].max_length == 200
        assert {param.kind for param in escalation.values()} == {"text"}


ESCALATION = {
    "count": "7",
    "opd": "DLH",
    "tracking_numbers": "ADU-2026-0001, ADU-2026-0002, ADU-2026-0003, ADU-2026-0004, ADU-2026-0005, …",
}


class TestEscalation:
    @pytest.mark.parametrize(
        ("language", "subject", "body"),
        [
            (
                "id",
                "Pengaduan melewati batas waktu",
                (
                    "7 pengaduan pada DLH telah melewati batas waktu penanganan: ADU-2026-0001, ADU-2026-0002, "
                    "ADU-2026-0003, ADU-2026-0004, ADU-2026-0005, …. Mohon segera ditindaklanjuti."
                ),
            ),
            (
                "en",
                "Complaints past their deadline",
                (
                    "7 complaints of DLH have passed their handling deadline: ADU-2026-0001, ADU-2026-0002, "
                    "ADU-2026-0003, ADU-2026-0004, ADU-2026-0005, …. Please act on them now."
                ),
            ),
        ],
    )
    def test_renders_in_both_languages(self, language: Language, subject: str, body: str) -> None:
        assert render("complaint_sla_escalation", language, ESCALATION) == (subject, body)

    def test_a_count_as_a_number(self) -> None:
        _, body = render(
            "complaint_sla_escalation", "en", {**ESCALATION, "count": 2, "tracking_numbers": "A, B"}
        )
        assert body.startswith("2 complaints of DLH have passed their handling deadline: A, B. ")

    @pytest.mark.parametrize("missing", ["count", "opd", "tracking_numbers"])
    def test_refuses_a_missing_parameter(self, missing: str) -> None:
        params = {key: value for key, value in ESCALATION.items() if key != missing}
        with pytest.raises(MissingParameters) as raised:
            render("complaint_sla_escalation", "id", params)
        assert set(raised.value.problems) == {missing}

    @pytest.mark.parametrize(
        ("name", "value"), [("tracking_numbers", "A" * 201), ("tracking_numbers", ""), ("opd", "DLH\nX")]
    )
    def test_refuses_a_bad_value(self, name: str, value: str) -> None:
        with pytest.raises(ParameterError) as raised:
            render("complaint_sla_escalation", "en", {**ESCALATION, name: value})
        assert set(raised.value.problems) == {name}


class TestSending:
    async def test_update_to_a_citizen_in_indonesian(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person, number = await create_account(session, crypto), tracking()
        excerpt = "Lampu jalan sudah diganti oleh petugas PUTR pada Senin pagi."
        params = {"tracking_number": number, "excerpt": excerpt}
        response = await send(client, test_keys, person.id, "complaint_updated", params)
        assert response.status_code == 202
        assert response.json()["status"] == "sent"
        [message] = outbox_messages(outbox, "sms", number)
        assert message["subject"] == "Tanggapan baru atas pengaduan"
        assert f'pengaduan {number}: "{excerpt}"' in message["body"]

    async def test_update_in_english(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys, outbox: Path
    ) -> None:
        person, number = await create_account(session, crypto, language="en"), tracking()
        params = {"tracking_number": number, "excerpt": "The lamp was replaced."}
        assert (await send(client, test_keys, person.id, "complaint_updated", params)).status_code == 202
        [message] = outbox_messages(outbox, "sms", number)
        assert message["subject"] == "New update on a complaint"
        assert f'update on complaint {number}: "The lamp was replaced."' in message["body"]

    @pytest.mark.parametrize(
        ("template", "language", "expected"),
        [
            ("complaint_sla_reminder", "id", "paling lambat 20 Desember 2026"),
            ("complaint_sla_reminder", "en", "must be handled by 20 December 2026"),
            ("complaint_sla_breached", "id", "(20 Desember 2026) telah terlewati"),
            ("complaint_sla_breached", "en", "assigned to you (20 December 2026), has passed"),
        ],
    )
    async def test_sla_messages_to_an_officer(
        self,
        template: str,
        language: str,
        expected: str,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        officer = await create_account(
            session, crypto, kind=AccountKind.staff, roles=("officer",), language=language
        )
        number = tracking()
        params = {"tracking_number": number, "due_date": "2026-12-20"}
        response = await send(client, test_keys, officer.id, template, params)
        assert response.status_code == 202
        assert response.json()["status"] == "sent"
        [message] = outbox_messages(outbox, "sms", number)
        assert expected in message["body"]
        assert "{" not in message["body"]

    @pytest.mark.parametrize(
        ("language", "expected"),
        [
            ("id", "2 pengaduan pada DLH telah melewati batas waktu penanganan: {numbers}. Mohon segera"),
            ("en", "2 complaints of DLH have passed their handling deadline: {numbers}. Please act"),
        ],
    )
    async def test_sla_escalation_to_a_supervisor(
        self,
        language: str,
        expected: str,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        supervisor = await create_account(
            session, crypto, kind=AccountKind.staff, roles=("supervisor",), language=language
        )
        numbers = f"{tracking()}, {tracking()}"
        params = {"count": 2, "opd": "DLH", "tracking_numbers": numbers}
        response = await send(client, test_keys, supervisor.id, "complaint_sla_escalation", params)
        assert response.status_code == 202
        assert response.json()["status"] == "sent"
        [message] = outbox_messages(outbox, "sms", numbers)
        assert expected.format(numbers=numbers) in message["body"]


class TestParameters:
    @pytest.mark.parametrize(
        ("template", "params", "pointer"),
        [
            ("complaint_updated", {"tracking_number": "ADU-1", "excerpt": "x" * 301}, "#/params/excerpt"),
            ("complaint_updated", {"tracking_number": "ADU-1", "excerpt": "baris\nbaru"}, "#/params/excerpt"),
            ("complaint_updated", {"tracking_number": "ADU-1", "excerpt": "  "}, "#/params/excerpt"),
            ("complaint_updated", {"tracking_number": "ADU-1"}, "#/params/excerpt"),
            ("complaint_updated", {"tracking_number": "ADU-1", "excerpt": "a", "x": "y"}, "#/params/x"),
            (
                "complaint_sla_reminder",
                {"tracking_number": "ADU-1", "due_date": "20-12-2026"},
                "#/params/due_date",
            ),
            (
                "complaint_sla_reminder",
                {"tracking_number": "ADU-1", "due_date": "2026-12-20T10:00:00Z"},
                "#/params/due_date",
            ),
            (
                "complaint_sla_breached",
                {"tracking_number": "", "due_date": "2026-12-20"},
                "#/params/tracking_number",
            ),
            ("complaint_sla_breached", {"tracking_number": "ADU-1"}, "#/params/due_date"),
            ("complaint_status_changed", {"tracking_number": "ADU-1", "status": "lost"}, "#/params/status"),
            ("complaint_sla_escalation", {"count": "3", "opd": "DLH"}, "#/params/tracking_numbers"),
            (
                "complaint_sla_escalation",
                {"count": "3", "opd": "DLH", "tracking_numbers": "ADU-1, " * 40},
                "#/params/tracking_numbers",
            ),
        ],
    )
    async def test_refused_with_the_parameter_named(
        self,
        template: str,
        params: dict[str, Any],
        pointer: str,
        client: AsyncClient,
        session: AsyncSession,
        crypto: Crypto,
        test_keys: TestKeys,
    ) -> None:
        person = await create_account(session, crypto)
        response = await send(client, test_keys, person.id, template, params)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert pointer in [error["pointer"] for error in errors]
        assert all(error.get("detail") for error in errors)
        sent = await session.scalars(select(Notification).where(Notification.account_id == person.id))
        assert sent.all() == []

    async def test_a_citizen_cannot_send_staff_messages(
        self, client: AsyncClient, session: AsyncSession, crypto: Crypto, test_keys: TestKeys
    ) -> None:
        person = await create_account(session, crypto)
        token = test_keys.mint(subject=person.id, roles=["citizen"])
        body = {
            "subject_id": str(person.id),
            "template": "complaint_sla_breached",
            "params": {"tracking_number": "ADU-1", "due_date": "2026-12-20"},
        }
        response = await client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 403
        sent = await session.scalars(select(Notification).where(Notification.account_id == person.id))
        assert sent.all() == []

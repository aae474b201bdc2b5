"""GET and POST /identity/v1/me/consents: the per-purpose consent ledger."""

from typing import Any

import pytest
from factories_privacy import bearer, create_account, service_bearer
from httpx import AsyncClient
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.audit.models import AuditRecord
from siantar_identity.privacy.models import ConsentEvent
from siantar_identity.security.context import Crypto
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/me/consents"


@pytest.fixture
def crypto(app_state: dict[str, Any]) -> Crypto:
    return app_state["crypto"]  # type: ignore[no-any-return]


@pytest.fixture
async def person(session: AsyncSession, crypto: Crypto) -> Account:
    return await create_account(session, crypto)


def states(body: dict[str, Any]) -> dict[str, bool]:
    return {item["purpose"]: item["granted"] for item in body["consents"]}


class TestMyConsents:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(URL)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_service_token_is_403(self, client: AsyncClient, test_keys: TestKeys) -> None:
        assert (await client.get(URL, headers=service_bearer(test_keys))).status_code == 403

    async def test_lists_purposes_and_their_legal_bases(
        self, client: AsyncClient, person: Account, test_keys: TestKeys
    ) -> None:
        response = await client.get(URL, headers=bearer(test_keys, person.id))
        assert response.status_code == 200
        body = response.json()
        assert states(body) == {
            "service_updates_whatsapp": False,
            "satisfaction_survey": False,
            "research_contact": False,
        }
        fixed = {item["purpose"]: item for item in body["processing_without_consent"]}
        assert set(fixed) == {"public_service_delivery", "account_security"}
        assert all(item["withdrawable"] is False for item in fixed.values())
        assert "20(2)(e)" in fixed["public_service_delivery"]["legal_basis"]["en"]
        assert body["ledger"] == []

    async def test_grant_under_an_old_notice_does_not_count(
        self, client: AsyncClient, session: AsyncSession, person: Account, test_keys: TestKeys
    ) -> None:
        await save(
            session,
            ConsentEvent(
                account_id=person.id, purpose="research_contact", notice_version="2020-01", granted=True
            ),
        )
        body = (await client.get(URL, headers=bearer(test_keys, person.id))).json()
        assert states(body)["research_contact"] is False
        assert len(body["ledger"]) == 1


class TestChangeConsent:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (
            await client.post(URL, json={"purpose": "satisfaction_survey", "granted": True})
        ).status_code == 401

    async def test_grant_then_withdraw_grows_the_ledger(
        self, client: AsyncClient, session: AsyncSession, person: Account, test_keys: TestKeys
    ) -> None:
        headers = bearer(test_keys, person.id)
        granted = await client.post(
            URL, json={"purpose": "satisfaction_survey", "granted": True}, headers=headers
        )
        assert granted.status_code == 200
        assert states(granted.json())["satisfaction_survey"] is True
        repeated = await client.post(
            URL, json={"purpose": "satisfaction_survey", "granted": True}, headers=headers
        )
        assert len(repeated.json()["ledger"]) == 1  # the same state again adds nothing
        withdrawn = await client.post(
            URL, json={"purpose": "satisfaction_survey", "granted": False}, headers=headers
        )
        body = withdrawn.json()
        assert states(body)["satisfaction_survey"] is False
        assert [(e["purpose"], e["granted"], e["notice_version"]) for e in body["ledger"]] == [
            ("satisfaction_survey", True, "2026-11"),
            ("satisfaction_survey", False, "2026-11"),
        ]
        rows = (await session.scalars(select(ConsentEvent).where(ConsentEvent.account_id == person.id))).all()
        assert sorted(row.granted for row in rows) == [False, True]
        actions = (
            await session.scalars(
                select(AuditRecord.action)
                .where(AuditRecord.subject_id == person.id)
                .order_by(AuditRecord.created_at)
            )
        ).all()
        assert sorted(actions) == ["consent.granted", "consent.withdrawn"]

    async def test_public_service_processing_cannot_be_withdrawn(
        self, client: AsyncClient, session: AsyncSession, person: Account, test_keys: TestKeys
    ) -> None:
        response = await client.post(
            URL,
            json={"purpose": "public_service_delivery", "granted": False},
            headers={**bearer(test_keys, person.id), "Accept-Language": "en"},
        )
        assert response.status_code == 409
        problem = response.json()
        assert problem["type"].endswith("/consent-not-withdrawable")
        assert "cannot be withdrawn" in problem["detail"]
        assert "UU 25/2009" in problem["detail"]
        assert (
            await session.scalars(select(ConsentEvent).where(ConsentEvent.account_id == person.id))
        ).all() == []

    @pytest.mark.parametrize(
        "body",
        [
            {"purpose": "marketing", "granted": True},
            {"purpose": "satisfaction_survey"},
            {"purpose": "satisfaction_survey", "granted": "maybe"},
        ],
    )
    async def test_invalid_body_is_422(
        self, body: dict[str, Any], client: AsyncClient, person: Account, test_keys: TestKeys
    ) -> None:
        assert (await client.post(URL, json=body, headers=bearer(test_keys, person.id))).status_code == 422

    async def test_consent_events_are_append_only(self, session: AsyncSession, person: Account) -> None:
        event = await save(
            session,
            ConsentEvent(
                account_id=person.id, purpose="research_contact", notice_version="2026-11", granted=True
            ),
        )
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(
                    update(ConsentEvent).where(ConsentEvent.id == event.id).values(granted=False)
                )

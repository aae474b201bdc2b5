"""Manual review of NIK conflicts through HTTP: only an active administrator or DPO lists and resolves the
cases; granting moves the NIK, every decision is audited, a case is decided once."""

from pathlib import Path

from factories_account import (
    ME,
    NIK_SIANTAR,
    audit_of,
    bearer,
    create_citizen,
    create_staff,
    messages_to,
    phone_of,
    reload,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.account.models import Account
from siantar_identity.config import Settings
from siantar_identity.privacy.models import NikReview
from siantar_shared.testing.tokens import TestKeys

REVIEWS = "/identity/v1/nik-reviews"


async def conflict(
    client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
) -> tuple[Account, Account, NikReview]:
    """A holder at level 1 and a claimant whose claim to the same NIK opened a review case."""
    holder = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1)
    claimant = await create_citizen(session, settings)
    await client.post(f"{ME}/nik", json={"nik": NIK_SIANTAR}, headers=bearer(test_keys, claimant))
    review = await session.scalar(select(NikReview).where(NikReview.account_id == claimant.id))
    assert review is not None
    return holder, claimant, review


class TestListReviews:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(REVIEWS)
        assert response.status_code == 401

    async def test_citizens_and_other_staff_are_refused(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        citizen = await create_citizen(session, settings)
        officer = await create_staff(session, settings, roles=["officer"])
        assert (await client.get(REVIEWS, headers=bearer(test_keys, citizen))).status_code == 403
        assert (await client.get(REVIEWS, headers=bearer(test_keys, officer))).status_code == 403

    async def test_an_admin_token_needs_an_admin_account(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        officer = await create_staff(session, settings, roles=["officer"])
        forged = bearer(test_keys, officer, roles=["admin"])
        assert (await client.get(REVIEWS, headers=forged)).status_code == 403

    async def test_admin_sees_open_cases_masked(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        holder, claimant, review = await conflict(client, session, settings, test_keys)
        admin = await create_staff(session, settings, roles=["admin"])
        response = await client.get(REVIEWS, headers=bearer(test_keys, admin))
        assert response.status_code == 200, response.text
        (item,) = [item for item in response.json()["items"] if item["id"] == str(review.id)]
        assert item["claimant_id"] == str(claimant.id)
        assert item["holder_id"] == str(holder.id)
        assert item["nik"] == "1272********0001"
        assert item["status"] == "open"
        assert NIK_SIANTAR not in response.text


class TestResolveReview:
    async def test_anonymous(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, _, review = await conflict(client, session, settings, test_keys)
        response = await client.post(
            f"{REVIEWS}/{review.id}/resolve", json={"decision": "grant", "note": "cek"}
        )
        assert response.status_code == 401

    async def test_the_claimant_cannot_resolve_their_own_case(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        _, claimant, review = await conflict(client, session, settings, test_keys)
        body = {"decision": "grant", "note": "saya pemiliknya"}
        response = await client.post(
            f"{REVIEWS}/{review.id}/resolve", json=body, headers=bearer(test_keys, claimant)
        )
        assert response.status_code == 403
        assert (await reload(session, claimant.id)).nik_index is None

    async def test_grant_moves_the_nik(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        holder, claimant, review = await conflict(client, session, settings, test_keys)
        admin = await create_staff(session, settings, roles=["admin"])
        body = {"decision": "grant", "note": "KTP dan KK diperiksa di loket Disdukcapil"}
        response = await client.post(
            f"{REVIEWS}/{review.id}/resolve", json=body, headers=bearer(test_keys, admin)
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "granted"
        assert response.json()["resolved_by"] == str(admin.id)
        won = await reload(session, claimant.id)
        assert won.nik_masked == "1272********0001"
        assert won.assurance_level == 1
        assert won.assurance_method == "manual_review"
        assert won.assurance_verifier == f"review:{admin.id}"
        lost = await reload(session, holder.id)
        assert lost.nik_index is None
        assert lost.assurance_level == 0
        assert len(messages_to(outbox, phone_of(holder, settings))) == 1
        (decided,) = await audit_of(session, claimant.id, "assurance.nik_review_resolved")
        assert decided.actor_id == admin.id
        assert decided.detail["decision"] == "grant"
        again = await client.post(
            f"{REVIEWS}/{review.id}/resolve", json=body, headers=bearer(test_keys, admin)
        )
        assert again.status_code == 409

    async def test_dpo_keeps_the_holder(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        holder, claimant, review = await conflict(client, session, settings, test_keys)
        dpo = await create_staff(session, settings, roles=["dpo"])
        body = {"decision": "keep_holder", "note": "Pengaju salah ketik NIK"}
        response = await client.post(
            f"{REVIEWS}/{review.id}/resolve", json=body, headers=bearer(test_keys, dpo)
        )
        assert response.status_code == 200
        assert response.json()["status"] == "kept"
        assert (await reload(session, holder.id)).assurance_level == 1
        assert (await reload(session, claimant.id)).nik_index is None

    async def test_unknown_case(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        admin = await create_staff(session, settings, roles=["admin"])
        body = {"decision": "reject", "note": "tidak ada"}
        url = f"{REVIEWS}/00000000-0000-4000-8000-000000000000/resolve"
        assert (await client.post(url, json=body, headers=bearer(test_keys, admin))).status_code == 404

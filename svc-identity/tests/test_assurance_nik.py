"""Levels of assurance through HTTP: giving a NIK (level 1), conflicts to manual review, Dukcapil
verification (level 2) winning over a level-1 holder, and the verifier adapters."""

from datetime import date
from pathlib import Path

import httpx
import pytest
from factories_account import (
    ME,
    NIK_MEDAN,
    NIK_OTHER,
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

from siantar_identity.assurance.dukcapil import (
    DevelopmentDukcapilVerifier,
    PksDukcapilVerifier,
    VerifierUnavailable,
    build_dukcapil_verifier,
)
from siantar_identity.config import Settings
from siantar_identity.privacy.models import NikReview
from siantar_shared.testing.tokens import TestKeys

NIK = f"{ME}/nik"
BORN = "1990-08-17"  # NIK_SIANTAR: a woman born 17-08-1990 (day 57 = 17 + 40)


class TestClaimNik:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(NIK, json={"nik": NIK_SIANTAR})
        assert response.status_code == 401

    async def test_staff_have_no_nik_here(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        staff = await create_staff(session, settings, roles=["officer"])
        response = await client.post(NIK, json={"nik": NIK_SIANTAR}, headers=bearer(test_keys, staff))
        assert response.status_code == 403

    @pytest.mark.parametrize(
        "nik",
        [
            "12720157089000011",  # 17 digits
            "١٢٧٢٠١٥٧٠٨٩٠٠٠٠١",  # Arabic-Indic digits: Python's \d would take them
            "1272015708900000",  # serial 0000
            "0072015708900001",  # no such province
        ],
    )
    async def test_invalid_nik(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys, nik: str
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.post(NIK, json={"nik": nik}, headers=bearer(test_keys, account))
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/nik"
        assert (await reload(session, account.id)).nik_index is None

    async def test_level_1(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.post(NIK, json={"nik": NIK_SIANTAR}, headers=bearer(test_keys, account))
        assert response.status_code == 200, response.text
        assert response.json()["outcome"] == "accepted"
        assert response.json()["assurance"]["level"] == 1
        assert response.json()["assurance"]["method"] == "nik_self"
        stored = await reload(session, account.id)
        assert stored.nik_masked == "1272********0001"
        assert stored.nik_ciphertext is not None
        assert NIK_SIANTAR.encode() not in stored.nik_ciphertext
        again = await client.post(NIK, json={"nik": NIK_SIANTAR}, headers=bearer(test_keys, account))
        assert again.json()["outcome"] == "unchanged"

    async def test_residents_from_elsewhere(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.post(NIK, json={"nik": NIK_MEDAN}, headers=bearer(test_keys, account))
        assert response.json()["outcome"] == "accepted"

    async def test_a_held_nik_goes_to_review(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        holder = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1, full_name="Sari Damanik")
        claimant = await create_citizen(session, settings)
        response = await client.post(NIK, json={"nik": NIK_SIANTAR}, headers=bearer(test_keys, claimant))
        assert response.status_code == 200
        assert response.json()["outcome"] == "review"
        assert response.json()["assurance"]["level"] == 0
        assert "Damanik" not in response.text
        assert str(holder.id) not in response.text
        review = await session.scalar(select(NikReview).where(NikReview.account_id == claimant.id))
        assert review is not None
        assert review.status == "open"
        assert review.holder_id == holder.id
        assert review.nik_masked == "1272********0001"
        assert NIK_SIANTAR.encode() not in review.nik_ciphertext
        assert (await reload(session, holder.id)).assurance_level == 1  # the holder is not touched
        me = await client.get(ME, headers=bearer(test_keys, claimant))
        assert me.status_code == 200  # the claimant keeps using the account


class TestVerifyNik:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(f"{NIK}/verify", json={"birth_date": BORN})).status_code == 401

    async def test_match_gives_level_2(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1)
        response = await client.post(
            f"{NIK}/verify", json={"birth_date": BORN}, headers=bearer(test_keys, account)
        )
        assert response.status_code == 200, response.text
        assert response.json()["outcome"] == "verified"
        assert response.json()["assurance"]["level"] == 2
        assert response.json()["assurance"]["method"] == "dukcapil"
        stored = await reload(session, account.id)
        assert stored.assurance_verifier == "development"
        assert stored.assurance_at is not None
        (check,) = await audit_of(session, account.id, "assurance.dukcapil_check")
        assert check.purpose == "identity_verification"
        assert check.outcome == "success"
        assert check.detail["result"] == "match"
        assert check.detail["reference"]
        assert NIK_SIANTAR not in str(check.detail)
        assert BORN not in str(check.detail)

    async def test_no_match(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1)
        body = {"nik": NIK_SIANTAR, "birth_date": "1990-08-18"}
        response = await client.post(f"{NIK}/verify", json=body, headers=bearer(test_keys, account))
        assert response.json()["outcome"] == "not_matched"
        assert (await reload(session, account.id)).assurance_level == 1
        (check,) = await audit_of(session, account.id, "assurance.dukcapil_check")
        assert check.outcome == "failure"
        assert check.detail["result"] == "no_match"

    async def test_level_2_wins_over_a_level_1_holder(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        test_keys: TestKeys,
        outbox: Path,
    ) -> None:
        holder = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1)
        claimant = await create_citizen(session, settings)
        headers = bearer(test_keys, claimant)
        assert (await client.post(NIK, json={"nik": NIK_SIANTAR}, headers=headers)).json()[
            "outcome"
        ] == "review"
        response = await client.post(f"{NIK}/verify", json={"birth_date": BORN}, headers=headers)
        assert response.json()["outcome"] == "verified", response.text
        assert (await reload(session, claimant.id)).nik_masked == "1272********0001"
        lost = await reload(session, holder.id)
        assert lost.assurance_level == 0
        assert lost.nik_index is None
        assert lost.nik_ciphertext is None
        assert "Dukcapil" in messages_to(outbox, phone_of(holder, settings))[-1]["body"]
        (removed,) = await audit_of(session, holder.id, "assurance.nik_claim_removed")
        assert removed.detail["reason"] == "dukcapil_match_by_other"
        assert removed.detail["previous_level"] == 1
        review = await session.scalar(
            select(NikReview)
            .where(NikReview.account_id == claimant.id)
            .execution_options(populate_existing=True)
        )
        assert review is not None
        assert review.status == "verified"

    async def test_two_level_2_matches_go_to_review(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        holder = await create_citizen(session, settings, nik=NIK_SIANTAR, level=2)
        claimant = await create_citizen(session, settings)
        body = {"nik": NIK_SIANTAR, "birth_date": BORN}
        response = await client.post(f"{NIK}/verify", json=body, headers=bearer(test_keys, claimant))
        assert response.json()["outcome"] == "review"
        assert (await reload(session, holder.id)).assurance_level == 2

    async def test_a_verified_nik_is_locked(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings, nik=NIK_SIANTAR, level=2)
        response = await client.post(NIK, json={"nik": NIK_OTHER}, headers=bearer(test_keys, account))
        assert response.status_code == 409

    async def test_five_checks_a_day(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings, nik=NIK_SIANTAR, level=1)
        body = {"birth_date": "2000-01-01"}
        statuses = [
            (await client.post(f"{NIK}/verify", json=body, headers=bearer(test_keys, account))).status_code
            for _ in range(6)
        ]
        assert statuses == [200] * 5 + [429]

    async def test_no_nik_at_all(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, test_keys: TestKeys
    ) -> None:
        account = await create_citizen(session, settings)
        response = await client.post(
            f"{NIK}/verify", json={"birth_date": BORN}, headers=bearer(test_keys, account)
        )
        assert response.status_code == 409


class TestDevelopmentVerifier:
    @pytest.mark.parametrize(
        ("nik", "born", "match"),
        [
            (NIK_SIANTAR, date(1990, 8, 17), True),  # a woman: day 57 = 17 + 40
            (NIK_SIANTAR, date(1990, 8, 57 - 40 - 1), False),
            (NIK_OTHER, date(1985, 3, 5), True),
            (NIK_MEDAN, date(2001, 1, 1), True),
            (NIK_MEDAN, date(1901, 1, 1), True),  # two-digit year: the century is not encoded
            ("1272015708900000", date(1990, 8, 17), False),  # not structurally valid
        ],
    )
    async def test_documented_rule(self, nik: str, born: date, match: bool) -> None:
        result = await DevelopmentDukcapilVerifier().verify(nik, "Rina Simanjuntak", born)
        assert result.match is match
        assert result.reference

    async def test_needs_a_name(self) -> None:
        assert not (await DevelopmentDukcapilVerifier().verify(NIK_SIANTAR, " ", date(1990, 8, 17))).match

    def test_refused_in_production(self) -> None:
        with pytest.raises(ValueError, match="DUKCAPIL_VERIFIER=development"):
            Settings(_env_file=None, ENV="production")

    def test_pks_needs_an_https_url(self, settings: Settings) -> None:
        with pytest.raises(ValueError, match="DUKCAPIL_PKS_URL"):
            build_dukcapil_verifier(settings.model_copy(update={"DUKCAPIL_VERIFIER": "pks"}))
        pks = settings.model_copy(
            update={"DUKCAPIL_VERIFIER": "pks", "DUKCAPIL_PKS_URL": "https://pks.example/verify"}
        )
        assert isinstance(build_dukcapil_verifier(pks), PksDukcapilVerifier)


class TestPksVerifier:
    def verifier(self, seen: list[httpx.Request], status: int, body: object) -> PksDukcapilVerifier:
        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            return httpx.Response(status, json=body)

        return PksDukcapilVerifier("https://pks.example/verify", transport=httpx.MockTransport(handler))

    async def test_match(self) -> None:
        seen: list[httpx.Request] = []
        answer = {
            "content": [
                {"RESPONSE_CODE": "00", "NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)", "TGL_LHR": "Sesuai"}
            ]
        }
        result = await self.verifier(seen, 200, answer).verify(
            NIK_SIANTAR, "Rina Simanjuntak", date(1990, 8, 17)
        )
        assert result.match
        assert result.reference
        sent = seen[0].read().decode()
        assert '"TGL_LHR":"17-08-1990"' in sent.replace(" ", "")
        assert result.reference in sent

    async def test_no_match(self) -> None:
        answer = {"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Tidak Sesuai", "TGL_LHR": "Sesuai"}]}
        result = await self.verifier([], 200, answer).verify(NIK_SIANTAR, "Rina", date(1990, 8, 17))
        assert not result.match

    async def test_unavailable(self) -> None:
        with pytest.raises(VerifierUnavailable):
            await self.verifier([], 502, {}).verify(NIK_SIANTAR, "Rina", date(1990, 8, 17))
        with pytest.raises(VerifierUnavailable):
            await self.verifier([], 200, {"unexpected": True}).verify(NIK_SIANTAR, "Rina", date(1990, 8, 17))

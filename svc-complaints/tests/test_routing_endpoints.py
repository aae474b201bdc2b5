"""Routing over HTTP: the public preview, and admins' rules with If-Match, history and events."""

from typing import Any

import pytest
from factories import (
    KEBUN_SAYUR,
    MARIHAT,
    PREVIEW,
    RULES,
    SUKARAJA,
    create_rule,
    events,
    get_category,
    seed_catalogue,
)
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.routing.models import RoutingRuleChange
from siantar_shared.testing.tokens import TestKeys

EVENT = "id.go.pematangsiantar.complaints.routing_rule.changed"


def new_rule(**overrides: Any) -> dict[str, Any]:
    body = {
        "category": "lampu-jalan",
        "kecamatan": MARIHAT,
        "opd_code": "KEC-SIANTAR-MARIHAT",
        "note": "Lampu lingkungan dikelola kecamatan",
        "reason": "Rapat koordinasi",
    }
    return {**body, **overrides}


class TestPreview:
    async def test_anonymous_gets_the_category_default(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        response = await client.get(PREVIEW, params={"category": "sampah", "kelurahan": KEBUN_SAYUR})
        assert response.status_code == 200
        assert response.json() == {
            "category": "sampah",
            "kelurahan": {"code": KEBUN_SAYUR, "name": "Kebun Sayur"},
            "kecamatan": {"code": "12.72.01", "name": "Siantar Timur"},
            "opd_code": "DLH",
            "rule_id": None,
            "basis": "category_default",
            "reason": {"id": "bawaan kategori: Sampah → DLH", "en": "category default: Rubbish → DLH"},
        }

    async def test_kecamatan_override_from_the_kelurahan(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        override = await create_rule(session, kecamatan=MARIHAT, opd_code="KEC-SIANTAR-MARIHAT")
        body = (await client.get(PREVIEW, params={"category": "lampu-jalan", "kelurahan": SUKARAJA})).json()
        assert body["opd_code"] == "KEC-SIANTAR-MARIHAT"
        assert body["rule_id"] == str(override.id)
        assert body["basis"] == "kecamatan_override"
        assert (
            body["reason"]["en"]
            == "kecamatan override: Street lights in Siantar Marihat → KEC-SIANTAR-MARIHAT"
        )
        elsewhere = (
            await client.get(PREVIEW, params={"category": "lampu-jalan", "kelurahan": KEBUN_SAYUR})
        ).json()
        assert (elsewhere["opd_code"], elsewhere["basis"]) == ("DISHUB", "category_default")
        citywide = (await client.get(PREVIEW, params={"category": "lampu-jalan"})).json()
        assert (citywide["kelurahan"], citywide["basis"]) == (None, "category_default")

    async def test_inactive_rule_falls_back(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        await create_rule(session, kecamatan=MARIHAT, opd_code="KEC-SIANTAR-MARIHAT", active=False)
        everywhere = await create_rule(session, opd_code="PUTR")
        body = (await client.get(PREVIEW, params={"category": "lampu-jalan", "kelurahan": SUKARAJA})).json()
        assert (body["opd_code"], body["rule_id"], body["basis"]) == (
            "PUTR",
            str(everywhere.id),
            "category_rule",
        )

    @pytest.mark.parametrize(
        "kelurahan",
        [
            "12.71.01.1001",  # shaped like Medan (Kemendagri 12.71), not Pematangsiantar
            "12.72.09.1001",  # no ninth kecamatan
            "12.72.01.1099",  # right shape, no such kelurahan
            "12.72.01.1OO1",
            "1272011001",
        ],
    )
    async def test_kelurahan_outside_the_city_is_422(
        self, client: AsyncClient, session: AsyncSession, kelurahan: str
    ) -> None:
        await seed_catalogue(session)
        response = await client.get(PREVIEW, params={"category": "sampah", "kelurahan": kelurahan})
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["pointer"] == "#/kelurahan"
        assert response.json()["errors"][0]["in"] == "query"

    async def test_unknown_or_inactive_category_is_422(
        self, client: AsyncClient, session: AsyncSession
    ) -> None:
        await seed_catalogue(session)
        response = await client.get(PREVIEW, params={"category": "tidak-ada", "kelurahan": KEBUN_SAYUR})
        assert response.status_code == 422
        assert response.json()["type"].endswith("/unknown-category")
        (await get_category(session, "aspirasi")).active = False
        await session.flush()
        assert (await client.get(PREVIEW, params={"category": "aspirasi"})).status_code == 422
        assert (await client.get(PREVIEW)).status_code == 422  # category is required


class TestListRules:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(RULES)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.auth(roles=["officer"], agency="DISHUB")
    async def test_officer_is_403(self, client: AsyncClient) -> None:
        assert (await client.get(RULES)).status_code == 403

    async def test_admin_lists_and_filters(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        override = await create_rule(session, kecamatan=MARIHAT, opd_code="KEC-SIANTAR-MARIHAT")
        await create_rule(session, category="sampah", opd_code="PRKP", active=False)
        items = (await client.get(RULES, headers=admin)).json()["items"]
        assert [item["id"] for item in items] == [str(override.id)]
        assert items[0]["kecamatan"] == MARIHAT
        every = (await client.get(RULES, params={"include_inactive": "true"}, headers=admin)).json()["items"]
        assert len(every) == 2
        filtered = await client.get(
            RULES, params={"category": "sampah", "include_inactive": "true"}, headers=admin
        )
        assert [item["opd_code"] for item in filtered.json()["items"]] == ["PRKP"]
        assert (await client.get(RULES, params={"kecamatan": "12.71.01"}, headers=admin)).status_code == 422


class TestCreateRule:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.post(RULES, json=new_rule())).status_code == 401

    @pytest.mark.parametrize("role", ["citizen", "supervisor", "verifier"])
    async def test_non_admin_is_403(self, client: AsyncClient, test_keys: TestKeys, role: str) -> None:
        headers = {"Authorization": f"Bearer {test_keys.mint(roles=[role])}"}
        assert (await client.post(RULES, json=new_rule(), headers=headers)).status_code == 403

    async def test_admin_creates_recorded_and_announced(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        response = await client.post(RULES, json=new_rule(), headers=admin)
        assert response.status_code == 201
        rule_id = response.json()["id"]
        assert response.headers["location"] == f"{RULES}/{rule_id}"
        assert response.headers["etag"] == '"v1"'
        preview = (
            await client.get(PREVIEW, params={"category": "lampu-jalan", "kelurahan": SUKARAJA})
        ).json()
        assert preview["rule_id"] == rule_id
        [change] = (await session.scalars(select(RoutingRuleChange))).all()
        assert (change.action, change.reason, change.actor_client_id) == (
            "created",
            "Rapat koordinasi",
            "siantar-test-app",
        )
        assert change.after is not None
        assert change.after["opd_code"] == "KEC-SIANTAR-MARIHAT"
        event = (await events(session, EVENT))[-1]
        assert event.data["category"] == "lampu-jalan"
        assert event.data["action"] == "created"

    async def test_unknown_category_is_422(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        response = await client.post(RULES, json=new_rule(category="tidak-ada"), headers=admin)
        assert response.status_code == 422
        assert response.json()["type"].endswith("/unknown-category")

    @pytest.mark.parametrize("kecamatan", ["12.71.01", "12.72.09", "12.72.5"])
    async def test_kecamatan_outside_the_city_is_422(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], kecamatan: str
    ) -> None:
        response = await client.post(RULES, json=new_rule(kecamatan=kecamatan), headers=admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/kecamatan"

    @pytest.mark.parametrize("opd_code", ["NOPE", "DINSOS", "dlh"])
    async def test_unknown_or_inactive_opd_is_422(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], opd_code: str
    ) -> None:
        await seed_catalogue(session)
        assert (await client.post(RULES, json=new_rule(opd_code=opd_code), headers=admin)).status_code == 422

    async def test_identical_active_rule_is_409(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        await create_rule(session, kecamatan=MARIHAT, opd_code="DISHUB")
        response = await client.post(RULES, json=new_rule(), headers=admin)
        assert response.status_code == 409
        assert (await client.post(RULES, json=new_rule(priority=1), headers=admin)).status_code == 201


class TestUpdateRule:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session)
        assert (await client.patch(f"{RULES}/{rule.id}", json={"reason": "uji"})).status_code == 401

    async def test_missing_if_match_is_428_and_stale_is_412(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session)
        body = {"opd_code": "PUTR", "reason": "uji"}
        assert (await client.patch(f"{RULES}/{rule.id}", json=body, headers=admin)).status_code == 428
        stale = await client.patch(f"{RULES}/{rule.id}", json=body, headers={**admin, "If-Match": '"v9"'})
        assert stale.status_code == 412

    async def test_admin_deactivates_and_routing_falls_back(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session, kecamatan=MARIHAT, opd_code="KEC-SIANTAR-MARIHAT")
        etag = (await client.get(f"{RULES}/{rule.id}", headers=admin)).headers["etag"]
        body = {"active": False, "reason": "Dikembalikan ke Dishub"}
        response = await client.patch(f"{RULES}/{rule.id}", json=body, headers={**admin, "If-Match": etag})
        assert response.status_code == 200
        assert (response.json()["active"], response.json()["version"]) == (False, 2)
        preview = (
            await client.get(PREVIEW, params={"category": "lampu-jalan", "kelurahan": SUKARAJA})
        ).json()
        assert preview["opd_code"] == "DISHUB"
        history = (await client.get(f"{RULES}/{rule.id}/changes", headers=admin)).json()["items"]
        assert [(item["action"], item["before"], item["after"]) for item in history] == [
            ("deactivated", {"active": True}, {"active": False})
        ]
        assert (await events(session, EVENT))[-1].data["action"] == "deactivated"

    async def test_reactivating_into_a_tie_is_409(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        await create_rule(session, opd_code="PUTR")
        old = await create_rule(session, opd_code="PRKP", active=False)
        body = {"active": True, "reason": "aktif lagi"}
        assert (
            await client.patch(f"{RULES}/{old.id}", json=body, headers={**admin, "If-Match": '"v1"'})
        ).status_code == 409

    async def test_category_and_kecamatan_cannot_change(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session)
        body = {"kecamatan": MARIHAT, "reason": "uji"}
        response = await client.patch(f"{RULES}/{rule.id}", json=body, headers={**admin, "If-Match": '"v1"'})
        assert response.status_code == 422


class TestGetRule:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session)
        assert (await client.get(f"{RULES}/{rule.id}")).status_code == 401

    async def test_admin_reads_one_with_its_version_etag(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session, kecamatan=MARIHAT, opd_code="KEC-SIANTAR-MARIHAT")
        response = await client.get(f"{RULES}/{rule.id}", headers=admin)
        assert response.status_code == 200
        assert response.headers["etag"] == '"v1"'
        assert response.headers["cache-control"] == "no-store"
        assert (response.json()["category"], response.json()["kecamatan"]) == ("lampu-jalan", MARIHAT)

    async def test_unknown_rule_is_404(self, client: AsyncClient, admin: dict[str, str]) -> None:
        response = await client.get(f"{RULES}/00000000-0000-4000-8000-000000000000", headers=admin)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/routing-rule-not-found")


class TestListRuleChanges:
    async def test_anonymous(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        rule = await create_rule(session)
        assert (await client.get(f"{RULES}/{rule.id}/changes")).status_code == 401

    async def test_admin_reads_who_when_why(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        rule_id = (await client.post(RULES, json=new_rule(), headers=admin)).json()["id"]
        body = {"priority": 3, "note": "Prioritas naik", "reason": "Evaluasi triwulan"}
        await client.patch(f"{RULES}/{rule_id}", json=body, headers={**admin, "If-Match": '"v1"'})
        items = (await client.get(f"{RULES}/{rule_id}/changes", headers=admin)).json()["items"]
        assert [(item["action"], item["version"]) for item in items] == [("updated", 2), ("created", 1)]
        assert items[0]["before"] == {"priority": 0, "note": "Lampu lingkungan dikelola kecamatan"}
        assert items[0]["after"] == {"priority": 3, "note": "Prioritas naik"}
        assert items[0]["reason"] == "Evaluasi triwulan"
        assert items[0]["actor_id"] is not None
        assert items[0]["created_at"]

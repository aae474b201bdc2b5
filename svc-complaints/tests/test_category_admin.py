"""Admins' writes to the catalogue over HTTP: who may, what is checked, If-Match, history and events."""

from typing import Any

import pytest
from factories import CATEGORIES, category_changes, events, get_category, new_category, seed_catalogue
from fakes_identity import FakeIdentity
from httpx import AsyncClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.audit import Actor
from siantar_complaints.category import service as category_service
from siantar_complaints.category.models import Category
from siantar_complaints.category.schemas import CategoryUpdate
from siantar_complaints.identity.client import AgencyDirectory
from siantar_shared.errors import PreconditionFailed
from siantar_shared.testing.tokens import TestKeys

EVENT = "id.go.pematangsiantar.complaints.category.changed"


def attribute(**overrides: Any) -> dict[str, Any]:
    base = {"code": "ukuran", "datatype": "string", "order": 2, "description": {"id": "Ukuran", "en": "Size"}}
    return {**base, **overrides}


class TestCreateCategory:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.post(CATEGORIES, json=new_category())
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"

    @pytest.mark.parametrize("role", ["citizen", "officer", "supervisor", "verifier"])
    async def test_non_admin_is_403(self, client: AsyncClient, test_keys: TestKeys, role: str) -> None:
        headers = {"Authorization": f"Bearer {test_keys.mint(roles=[role], agency='PUTR')}"}
        response = await client.post(CATEGORIES, json=new_category(), headers=headers)
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"

    async def test_admin_creates_recorded_and_announced(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], test_keys: TestKeys
    ) -> None:
        await seed_catalogue(session)
        response = await client.post(CATEGORIES, json=new_category(), headers=admin)
        assert response.status_code == 201
        assert response.headers["location"] == f"{CATEGORIES}/trotoar-rusak"
        assert response.headers["etag"] == '"v1"'
        body = response.json()
        assert body["keywords"] == ["trotoar", "pejalan kaki"]  # lowered, duplicates dropped
        assert body["response_templates"][0]["code"] == "dijadwalkan"
        assert (await client.get(f"{CATEGORIES}/trotoar-rusak")).json()["name"]["en"] == "Damaged pavement"
        [change] = await category_changes(session, "trotoar-rusak")
        assert (change.action, change.version, change.reason) == ("created", 1, "Usulan Dinas PUTR")
        assert change.actor_id is not None
        assert change.actor_client_id == "siantar-test-app"
        assert change.before is None
        assert change.after is not None
        assert change.after["opd_code"] == "PUTR"
        event = (await events(session, EVENT))[-1]
        assert event.subject == "trotoar-rusak"
        assert event.data["action"] == "created"

    async def test_duplicate_code_is_409(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        response = await client.post(CATEGORIES, json=new_category(code="sampah"), headers=admin)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/category-exists")

    @pytest.mark.parametrize("code", ["Trotoar", "t", "trotoar rusak", "trotoar/rusak", "_trotoar", "a" * 65])
    async def test_invalid_code_is_422(self, client: AsyncClient, admin: dict[str, str], code: str) -> None:
        response = await client.post(CATEGORIES, json=new_category(code=code), headers=admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/code"

    @pytest.mark.parametrize(
        ("attributes", "message"),
        [
            ([attribute(datatype="singlevaluelist")], "ukuran: a list needs values"),
            (
                [attribute(values=[{"key": "a", "name": {"id": "A", "en": "A"}}])],
                "ukuran: values are only for singlevaluelist and multivaluelist",
            ),
            (
                [attribute(variable=False, required=True)],
                "ukuran: an informational attribute cannot be required",
            ),
            ([attribute(), attribute(order=3)], "attributes.code ukuran is used twice"),
            ([attribute(), attribute(code="warna")], "attributes.order 2 is used twice"),
            ([attribute(datatype="color")], "Input should be"),
            ([attribute(code="Ukuran[]")], "String should match pattern"),
            ([attribute(order=0)], "greater than or equal to 1"),
            ([attribute(description={"id": "Ukuran"})], "Field required"),
            (
                [
                    attribute(
                        datatype="multivaluelist",
                        values=[{"key": "a", "name": {"id": "A", "en": "A"}}] * 2,
                    )
                ],
                "ukuran.values.key a is used twice",
            ),
        ],
    )
    async def test_invalid_attribute_definitions_are_422(
        self, client: AsyncClient, admin: dict[str, str], attributes: list[dict[str, Any]], message: str
    ) -> None:
        headers = {**admin, "Accept-Language": "en"}
        response = await client.post(CATEGORIES, json=new_category(attributes=attributes), headers=headers)
        assert response.status_code == 422
        assert any(message in error["detail"] for error in response.json()["errors"]), response.json()

    async def test_indonesian_messages_by_default(self, client: AsyncClient, admin: dict[str, str]) -> None:
        response = await client.post(
            CATEGORIES, json=new_category(attributes=[attribute(datatype="singlevaluelist")]), headers=admin
        )
        assert response.json()["title"] == "Permintaan tidak valid"
        assert response.json()["errors"][0]["detail"] == "Pertanyaan ukuran: daftar pilihan wajib diisi"

    async def test_unknown_opd_is_422(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], identity: FakeIdentity
    ) -> None:
        await seed_catalogue(session)
        headers = {**admin, "Accept-Language": "en"}
        response = await client.post(CATEGORIES, json=new_category(opd_code="DINASHANTU"), headers=headers)
        assert response.status_code == 422
        assert response.json()["type"].endswith("/unknown-agency")
        assert response.json()["detail"] == "There is no agency with code DINASHANTU"
        assert identity.requests[0].url.params["include_inactive"] == "true"

    async def test_inactive_opd_is_422_unless_the_category_is_created_inactive(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        response = await client.post(CATEGORIES, json=new_category(opd_code="DINSOS"), headers=admin)
        assert response.status_code == 422
        assert response.json()["detail"] == "OPD DINSOS tidak aktif"
        prepared = new_category(opd_code="DINSOS", active=False)
        assert (await client.post(CATEGORIES, json=prepared, headers=admin)).status_code == 201

    @pytest.mark.parametrize(("field", "value"), [("group", "tidak-ada"), ("sla_class", "kilat")])
    async def test_unknown_group_or_sla_class_is_422(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], field: str, value: str
    ) -> None:
        await seed_catalogue(session)
        response = await client.post(CATEGORIES, json=new_category(**{field: value}), headers=admin)
        assert response.status_code == 422
        assert response.json()["type"].endswith("/category-invalid")

    async def test_reason_is_required(self, client: AsyncClient, admin: dict[str, str]) -> None:
        body = new_category()
        del body["reason"]
        response = await client.post(CATEGORIES, json=body, headers=admin)
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "#/reason"


class TestUpdateCategory:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.patch(f"{CATEGORIES}/sampah", json={"reason": "uji"})
        assert response.status_code == 401

    @pytest.mark.auth(roles=["officer"], agency="DLH")
    async def test_officer_is_403(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        response = await client.patch(
            f"{CATEGORIES}/sampah", json={"opd_code": "PRKP", "reason": "uji"}, headers={"If-Match": '"v1"'}
        )
        assert response.status_code == 403

    async def test_missing_if_match_is_428(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        response = await client.patch(
            f"{CATEGORIES}/sampah", json={"opd_code": "PRKP", "reason": "uji"}, headers=admin
        )
        assert response.status_code == 428
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("if_match", ['"v0"', 'W/"v1"', "*"])
    async def test_stale_or_weak_if_match_is_412(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], if_match: str
    ) -> None:
        await seed_catalogue(session)
        headers = {**admin, "If-Match": if_match}
        response = await client.patch(
            f"{CATEGORIES}/sampah", json={"opd_code": "PRKP", "reason": "uji"}, headers=headers
        )
        assert response.status_code == 412
        assert response.headers["etag"] == '"v1"'
        assert (await get_category(session, "sampah")).opd_code == "DLH"

    async def test_admin_changes_recorded_and_announced(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        etag = (await client.get(f"{CATEGORIES}/drainase-banjir")).headers["etag"]
        body = {"opd_code": "PRKP", "keywords": ["parit"], "reason": "Drainase lingkungan ke Dinas PRKP"}
        response = await client.patch(
            f"{CATEGORIES}/drainase-banjir", json=body, headers={**admin, "If-Match": etag}
        )
        assert response.status_code == 200
        assert response.headers["etag"] == '"v2"'
        assert response.json()["opd_code"] == "PRKP"
        assert response.json()["version"] == 2
        seeded, change = await category_changes(session, "drainase-banjir")
        assert seeded.action == "seeded"
        assert seeded.actor_id is None
        assert change.action == "updated"
        assert change.before == {
            "opd_code": "PUTR",
            "keywords": ["drainase", "parit", "banjir", "genangan", "flood", "drain"],
        }
        assert change.after == {"opd_code": "PRKP", "keywords": ["parit"]}
        assert change.reason == "Drainase lingkungan ke Dinas PRKP"
        event = (await events(session, EVENT))[-1]
        assert event.data == {
            "code": "drainase-banjir",
            "version": 2,
            "action": "updated",
            "changed": ["opd_code", "keywords"],
        }
        again = await client.patch(
            f"{CATEGORIES}/drainase-banjir", json=body, headers={**admin, "If-Match": etag}
        )
        assert again.status_code == 412  # the old ETag is stale now

    async def test_deactivate_instead_of_delete(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        body = {"active": False, "reason": "Digabung ke kategori lain"}
        response = await client.patch(
            f"{CATEGORIES}/aspirasi", json=body, headers={**admin, "If-Match": '"v1"'}
        )
        assert response.status_code == 200
        codes = [item["code"] for item in (await client.get(CATEGORIES)).json()["items"]]
        assert "aspirasi" not in codes
        assert (await client.get(f"{CATEGORIES}/aspirasi")).json()["active"] is False
        assert (await category_changes(session, "aspirasi"))[-1].action == "deactivated"
        assert (await client.delete(f"{CATEGORIES}/aspirasi", headers=admin)).status_code == 405

    async def test_reactivating_checks_the_opd_again(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], identity: FakeIdentity
    ) -> None:
        await seed_catalogue(session)
        await session.execute(
            update(Category).where(Category.code == "aspirasi").values(active=False, opd_code="DINSOS")
        )
        response = await client.patch(
            f"{CATEGORIES}/aspirasi",
            json={"active": True, "reason": "aktif lagi"},
            headers={**admin, "If-Match": '"v1"'},
        )
        assert response.status_code == 422
        assert response.json()["type"].endswith("/unknown-agency")

    async def test_unchanged_values_change_nothing(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        body = {"opd_code": "DLH", "reason": "tetap"}
        response = await client.patch(
            f"{CATEGORIES}/sampah", json=body, headers={**admin, "If-Match": '"v1"'}
        )
        assert response.status_code == 200
        assert response.json()["version"] == 1
        assert len(await category_changes(session, "sampah")) == 1

    @pytest.mark.parametrize(
        "body", [{"name": None, "reason": "uji"}, {"opd_code": "DLH"}, {"code": "baru", "reason": "uji"}]
    )
    async def test_invalid_body_is_422(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str], body: dict[str, Any]
    ) -> None:
        await seed_catalogue(session)
        response = await client.patch(
            f"{CATEGORIES}/sampah", json=body, headers={**admin, "If-Match": '"v1"'}
        )
        assert response.status_code == 422

    async def test_unknown_category_is_404(self, client: AsyncClient, admin: dict[str, str]) -> None:
        response = await client.patch(
            f"{CATEGORIES}/tidak-ada", json={"reason": "uji"}, headers={**admin, "If-Match": '"v1"'}
        )
        assert response.status_code == 404

    async def test_a_change_committed_after_the_read_is_412_at_write_time(
        self, session: AsyncSession, agency_directory: AgencyDirectory
    ) -> None:
        """Two admins read v1; one commits first: the other's UPDATE (WHERE version = 1) finds no row."""
        await seed_catalogue(session)
        category = await get_category(session, "sampah")
        await session.execute(
            update(Category).where(Category.code == "sampah").values(version=Category.version + 1),
            execution_options={"synchronize_session": False},
        )
        changes = CategoryUpdate(opd_code="PRKP", reason="uji")
        with pytest.raises(PreconditionFailed):
            await category_service.update(
                session, category, changes, if_match='"v1"', by=Actor.system(), agencies=agency_directory
            )


class TestListCategoryChanges:
    async def test_anonymous(self, client: AsyncClient) -> None:
        assert (await client.get(f"{CATEGORIES}/sampah/changes")).status_code == 401

    @pytest.mark.auth(roles=["verifier"])
    async def test_verifier_is_403(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_catalogue(session)
        assert (await client.get(f"{CATEGORIES}/sampah/changes")).status_code == 403

    async def test_admin_reads_newest_first(
        self, client: AsyncClient, session: AsyncSession, admin: dict[str, str]
    ) -> None:
        await seed_catalogue(session)
        body = {"anonymous_allowed": False, "reason": "Perlu identitas untuk klarifikasi"}
        await client.patch(f"{CATEGORIES}/sampah", json=body, headers={**admin, "If-Match": '"v1"'})
        items = (await client.get(f"{CATEGORIES}/sampah/changes", headers=admin)).json()["items"]
        assert [item["action"] for item in items] == ["updated", "seeded"]
        assert items[0]["before"] == {"anonymous_allowed": True}
        assert items[0]["reason"] == "Perlu identitas untuk klarifikasi"

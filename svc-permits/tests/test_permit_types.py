"""Permit types as data: the shipped catalogue, public reading, admins' versions with history."""

from typing import Any

import pytest
from helpers import PREFIX, admin, events, seed_types, staff
from httpx import AsyncClient
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.permit_type.schemas import PermitTypeDefinition
from siantar_permits.permit_type.seed import catalogue
from siantar_shared.testing.tokens import TestKeys

TYPES = f"{PREFIX}/permit-types"


def definition(**overrides: Any) -> dict[str, Any]:
    base = catalogue().types[0].definition.model_dump(mode="json")
    return {**base, **overrides}


class TestCatalogue:
    def test_shipped_types(self) -> None:
        codes = {entry.code for entry in catalogue().types}
        assert codes == {
            "izin-reklame",
            "sip-dokter",
            "sip-bidan",
            "sip-perawat",
            "sipa",
            "izin-penelitian",
            "pbg",
            "slf",
        }
        assert all(entry.source.startswith("domain.md") for entry in catalogue().types)

    def test_persons_never_published(self) -> None:
        for entry in catalogue().types:
            if entry.definition.holder == "person":
                assert entry.definition.open_data is None

    async def test_seed_twice_adds_nothing_more(self, session: AsyncSession) -> None:
        assert len(await seed_types(session)) == 8
        assert await seed_types(session) == []

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"number_format": "503/{type}/{year}"}, "needs {seq}"),
            ({"number_format": "503/{seq}/{nik}"}, "needs {seq}"),
            ({"approval_chain": []}, "approval chain"),
            (
                {
                    "fee": {
                        "kind": "retribusi",
                        "method": "rate",
                        "rate": 1000,
                        "quantity_field": "isi_reklame",
                    }
                },
                "numeric",
            ),
            ({"fee": {"kind": "retribusi", "method": "fixed"}}, "amount"),
            ({"holder": "person"}, "never published"),
        ],
    )
    def test_inconsistent_definitions_refused(self, overrides: dict[str, Any], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            PermitTypeDefinition.model_validate(definition(**overrides))


class TestReading:
    async def test_public_list_and_etag(self, client: AsyncClient, session: AsyncSession) -> None:
        await seed_types(session)
        response = await client.get(TYPES)
        assert response.status_code == 200
        items = {item["code"]: item for item in response.json()["items"]}
        assert items["izin-reklame"]["definition"]["sla_days"]["inspection"] == 1
        assert items["pbg"]["definition"]["processing"] == "tracked"
        again = await client.get(TYPES, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304

    async def test_unknown_type(self, client: AsyncClient) -> None:
        response = await client.get(f"{TYPES}/no-such-type")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/permit-type-not-found")


class TestAdmin:
    async def test_only_admins_write(self, client: AsyncClient, test_keys: TestKeys) -> None:
        body = {"code": "izin-baru", "definition": definition(), "reason": "Perwa baru"}
        assert (await client.post(TYPES, json=body)).status_code == 401
        response = await client.post(TYPES, json=body, headers=staff(test_keys, "supervisor"))
        assert response.status_code == 403

    async def test_versions_and_history(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        headers = admin(test_keys)
        read = await client.get(f"{TYPES}/izin-reklame")
        assert read.headers["etag"] == '"v1"'
        changed = definition(
            sla_days={
                "completeness": 2,
                "verification": 1,
                "technical_review": 1,
                "inspection": 1,
                "approval": 1,
            }
        )
        body = {"definition": changed, "reason": "SK Kepala DPMPTSP 2027"}
        missing = await client.put(f"{TYPES}/izin-reklame", json=body, headers=headers)
        assert missing.status_code == 428
        updated = await client.put(
            f"{TYPES}/izin-reklame", json=body, headers={**headers, "If-Match": '"v1"'}
        )
        assert updated.status_code == 200
        assert updated.headers["etag"] == '"v2"'
        stale = await client.put(f"{TYPES}/izin-reklame", json=body, headers={**headers, "If-Match": '"v1"'})
        assert stale.status_code == 412
        history = (await client.get(f"{TYPES}/izin-reklame/versions", headers=headers)).json()["items"]
        assert [v["version"] for v in history] == [2, 1]
        assert history[0]["reason"] == "SK Kepala DPMPTSP 2027"
        assert history[0]["actor_id"] is not None
        assert history[1]["definition"]["sla_days"]["completeness"] == 1
        [event] = await events(session, "id.go.pematangsiantar.permits.permit-type.changed")
        assert event.data == {"code": "izin-reklame", "version": 2, "active": True}

    async def test_invalid_definition_is_422_and_nothing_changes(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        await seed_types(session)
        body = {"definition": definition(number_format="{year}"), "reason": "x" * 5}
        response = await client.put(
            f"{TYPES}/izin-reklame", json=body, headers={**admin(test_keys), "If-Match": '"v1"'}
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert (await client.get(f"{TYPES}/izin-reklame")).headers["etag"] == '"v1"'

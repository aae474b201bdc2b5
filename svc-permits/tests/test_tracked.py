"""PBG/SLF tracked in SIMBG: status intake by an integration client, adapter mapping, open data."""

import uuid

from helpers import PREFIX, bearer, citizen, seed_types, service_token
from httpx import AsyncClient
from journey import APPS, ok
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_shared.testing.tokens import TestKeys

INTAKE = f"{PREFIX}/tracked/status"


def report(status: str, **extra: object) -> dict[str, object]:
    return {
        "type": "pbg",
        "external_reference": "PBG-127201-01",
        "status": status,
        "status_at": "2026-11-28T10:00:00+07:00",
        "holder_name": "Budi Santoso",
        "form": {
            "alamat": "Jl. Merdeka 10",
            "kelurahan": "1272011001",
            "kode_pos": "21118",
            "luas_bangunan_m2": 120,
        },
        **extra,
    }


async def test_simbg_statuses_followed(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    holder = uuid.uuid4()
    bridge = service_token(test_keys)
    first = ok(
        await client.post(INTAKE, json=report("pendaftaran", applicant_id=str(holder)), headers=bridge)
    )
    assert first["created"] is True
    assert first["state"] == "submitted"
    second = ok(
        await client.post(INTAKE, json=report("penilaian_teknis", applicant_id=str(holder)), headers=bridge)
    )
    assert second["application_id"] == first["application_id"]
    assert second["oss_status"] == "45"
    issued = ok(
        await client.post(
            INTAKE,
            json=report("terbit", applicant_id=str(holder), permit_number="SK-PBG-127201-2026-0001"),
            headers=bridge,
        )
    )
    assert issued["state"] == "issued"
    mine = ok(await client.get(APPS, headers=citizen(test_keys, holder)))["items"]
    assert [(a["type"], a["external_status"]) for a in mine] == [("pbg", "terbit")]
    history = ok(
        await client.get(f"{APPS}/{first['application_id']}/history", headers=citizen(test_keys, holder))
    )["items"]
    assert [h["data"]["external_status"] for h in history] == ["pendaftaran", "penilaian_teknis", "terbit"]
    pdf = await client.get(f"{APPS}/{first['application_id']}/permit.pdf", headers=citizen(test_keys, holder))
    assert pdf.status_code == 404  # the PBG document itself is SIMBG's
    blds = (await client.get(f"{PREFIX}/open-data/blds.csv")).text
    assert "SK-PBG-127201-2026-0001" in blds
    assert "Budi" not in blds


async def test_intake_refusals(client: AsyncClient, session: AsyncSession, test_keys: TestKeys) -> None:
    await seed_types(session)
    assert (
        await client.post(
            INTAKE, json=report("pendaftaran"), headers=bearer(test_keys, roles=["officer"], agency="PUTR")
        )
    ).status_code == 403
    assert (
        await client.post(INTAKE, json=report("tidak_ada"), headers=service_token(test_keys))
    ).status_code == 422
    local = report("pendaftaran", type="izin-reklame")
    assert (await client.post(INTAKE, json=local, headers=service_token(test_keys))).status_code == 422

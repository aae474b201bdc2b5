"""The other endings: rejection with reasons, withdrawal, a negative recommendation, a failed inspection,
and renewal after issuance (the old permit then says `renewed`)."""

import uuid
from datetime import timedelta

from helpers import seed_types, staff
from httpx import AsyncClient
from journey import APPS, Actors, act, file_application, ok
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue

from siantar_permits.permit.models import Permit
from siantar_shared.db import utcnow
from siantar_shared.testing.tokens import TestKeys


async def test_reject_and_withdraw(client: AsyncClient, session: AsyncSession, test_keys: TestKeys) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    first = await file_application(client, actors, "sip-perawat")
    assert (await act(client, first, "reject", actors.officer(), {"reasons": []})).status_code == 422
    rejected = ok(await act(client, first, "reject", actors.officer(), {"reasons": ["STR tidak berlaku"]}))
    assert (rejected["state"], rejected["oss_status"], rejected["rejection_reasons"]) == (
        "rejected",
        "90",
        ["STR tidak berlaku"],
    )
    assert (await act(client, rejected, "withdraw", actors.applicant())).status_code == 409
    second = await file_application(client, actors, "sip-perawat")
    withdrawn = ok(await act(client, second, "withdraw", actors.applicant(), {"note": "Pindah kota"}))
    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["blds_status"] == "Permit Cancelled"


async def test_negative_recommendation_and_failed_inspection(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    putr = staff(test_keys, "officer", "PUTR")
    apps = [await file_application(client, actors, "izin-reklame") for _ in range(2)]
    for i, app in enumerate(apps):
        app = ok(await act(client, app, "completeness", actors.officer(), {"complete": True}))
        apps[i] = ok(await act(client, app, "verification", actors.officer(), {"decision": "accept"}))
    refused = ok(
        await act(
            client,
            apps[0],
            "recommendation",
            putr,
            {"decision": "not_recommend", "letter_number": "R/9", "note": "Melanggar garis sempadan"},
        )
    )
    assert (refused["state"], refused["rejection_reasons"]) == ("rejected", ["Melanggar garis sempadan"])
    history = ok(await client.get(f"{APPS}/{refused['id']}/history", headers=actors.applicant()))["items"]
    assert history[-1]["oss_status"] == "93"
    app = ok(
        await act(client, apps[1], "recommendation", putr, {"decision": "recommend", "letter_number": "R/10"})
    )
    early = await act(client, app, "inspection/result", putr, {"result": "passed", "notes": "x"})
    assert early.status_code == 403  # not scheduled yet
    inspector = uuid.uuid4()
    app = ok(
        await act(
            client,
            app,
            "inspection/schedule",
            putr,
            {"inspector_id": str(inspector), "scheduled_for": "2026-12-02T09:00:00+07:00"},
        )
    )
    stranger = staff(test_keys, "inspector", "DISHUB")
    assert (
        await act(client, app, "inspection/result", stranger, {"result": "passed", "notes": "x"})
    ).status_code == 404
    failed = ok(
        await act(
            client,
            app,
            "inspection/result",
            staff(test_keys, "inspector", "PUTR", subject=inspector),
            {"result": "failed", "notes": "Konstruksi tidak sesuai gambar"},
        )
    )
    assert failed["state"] == "rejected"


async def test_renewal_supersedes_the_old_permit(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    old = await drive_to_issue(client, actors, await file_application(client, actors, "izin-reklame"))
    early = await client.post(f"{APPS}/{old['id']}/renewal", headers=actors.applicant())
    assert early.status_code == 409  # a year left: the 30-day window is not open
    soon = (utcnow() + timedelta(days=20)).date()
    await session.execute(
        update(Permit).where(Permit.application_id == uuid.UUID(old["id"])).values(valid_until=soon)
    )
    renewal = ok(await client.post(f"{APPS}/{old['id']}/renewal", headers=actors.applicant()), 201)
    assert renewal["renewal_of"] == old["id"]
    assert renewal["state"] == "draft"
    assert renewal["form"]["isi_reklame"] == "Toko Maju"
    from journey import PDF, png

    definition_docs = {
        "permohonan": PDF,
        "ktp": PDF,
        "npwp": PDF,
        "bukti_pbb": PDF,
        "gambar_konstruksi": PDF,
        "bukti_pajak_reklame": PDF,
        "foto_lokasi": png(),
    }
    for code, data in definition_docs.items():
        ok(
            await client.post(
                f"{APPS}/{renewal['id']}/documents/{code}",
                files={"file": ("f", data)},
                headers=actors.applicant(),
            ),
            201,
        )
    renewal = ok(await client.get(f"{APPS}/{renewal['id']}", headers=actors.applicant()))
    renewal = ok(await act(client, renewal, "submit", actors.applicant()))
    issued = await drive_to_issue(client, actors, renewal)
    assert issued["permit"]["number"].startswith("503/0002/REKL/")
    assert ok(await client.get(f"{APPS}/{old['id']}", headers=actors.applicant()))["state"] == "renewed"

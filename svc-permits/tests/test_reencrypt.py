"""Key rotation: `reencrypt-personal-data` re-seals with the active key what an older key sealed, in bounded,
resumable runs; the data still reads through the API; what no key in the ring opens is reported, never lost."""

import logging
import os
import uuid
from typing import Any, cast

import pytest
from helpers import PREFIX, citizen, seed_types
from httpx import AsyncClient
from journey import APPS, FORMS, Actors, file_application, ok
from sqlalchemy import LargeBinary, Table, select, text, type_coerce, update
from sqlalchemy.ext.asyncio import AsyncSession
from test_application_journey import drive_to_issue
from test_application_rules import verification_code

from siantar_permits import personal
from siantar_permits.application.models import Application
from siantar_permits.personal import key_ring
from siantar_permits.reencrypt import reencrypt, reseal
from siantar_shared.fieldcrypt import KeyRing
from siantar_shared.testing.tokens import TestKeys

TABLE = cast(Table, Application.__table__)


def rotate(monkeypatch: pytest.MonkeyPatch, *, keep_old: bool = True) -> KeyRing:
    """Put a new key first in the ring (the old ones after it, unless `keep_old` is false) and install it."""
    old = key_ring()
    ring = KeyRing({"rot2": os.urandom(32), **(old.keys if keep_old else {})}, "rot2")
    monkeypatch.setattr(personal, "_ring", ring)
    return ring


async def blobs(session: AsyncSession) -> dict[str, list[bytes]]:
    """The raw ciphertexts of every sealed column, in id order."""
    name_form = (
        await session.execute(text("SELECT applicant_name, form FROM application ORDER BY id"))
    ).all()
    signed = (await session.scalars(text("SELECT signed_fields FROM permit ORDER BY id"))).all()
    return {
        "application.applicant_name": [bytes(row.applicant_name) for row in name_form],
        "application.form": [bytes(row.form) for row in name_form],
        "permit.signed_fields": [bytes(blob) for blob in signed],
    }


def key_ids(ring: KeyRing, found: dict[str, list[bytes]]) -> set[str]:
    return {ring.key_id(blob) for values in found.values() for blob in values}


async def test_rotation_reseals_every_column_and_the_data_still_reads(
    client: AsyncClient,
    session: AsyncSession,
    test_keys: TestKeys,
    app_state: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    issued = await drive_to_issue(client, actors, await file_application(client, actors, "izin-reklame"))
    code = await verification_code(client, actors, issued)
    filed = await file_application(client, actors, "sip-bidan")
    old_kid = key_ring().active

    ring = rotate(monkeypatch)
    assert key_ids(ring, await blobs(session)) == {old_kid}
    report = await reencrypt(session, ring)
    assert {ctx: c.resealed for ctx, c in report.columns.items()} == {
        "application.applicant_name": 2,
        "application.form": 2,
        "permit.signed_fields": 1,
    }
    assert report.done
    assert report.unreadable == 0
    resealed = await blobs(session)
    assert key_ids(ring, resealed) == {"rot2"}

    again = await reencrypt(session, ring)  # idempotent: nothing stale, nothing written
    assert again.resealed == 0
    assert again.done
    assert await blobs(session) == resealed

    monkeypatch.setattr(personal, "_ring", KeyRing({"rot2": ring.keys["rot2"]}, "rot2"))  # old key dropped
    seen = ok(await client.get(f"{APPS}/{filed['id']}", headers=actors.applicant()))
    assert seen["applicant_name"] == "CV Maju Bersama"
    assert seen["form"]["nomor_str"] == FORMS["sip-bidan"]["nomor_str"]
    verified = ok(await client.get(f"{PREFIX}/verify/{code}"))
    assert verified["signature_valid"] is True
    assert verified["holder_name_masked"] == "C* M*** B******"

    # the attacker's view is unchanged: anonymous 401, another citizen 404, nothing personal on the QR page
    anonymous = await client.get(f"{APPS}/{filed['id']}")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    other = await client.get(f"{APPS}/{filed['id']}", headers=citizen(test_keys, uuid.uuid4()))
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    assert "CV Maju" not in (await client.get(f"{PREFIX}/verify/{code}")).text


async def test_runs_are_bounded_and_resume(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    for _ in range(3):
        await file_application(client, actors, "sip-bidan")
    ring = rotate(monkeypatch)
    resealed_per_run = []
    while not (report := await reencrypt(session, ring, limit=2)).done:
        resealed_per_run.append(report.columns["application.form"].resealed)
    resealed_per_run.append(report.columns["application.form"].resealed)
    assert resealed_per_run == [2, 1]
    assert key_ids(ring, await blobs(session)) == {"rot2"}
    listed = ok(await client.get(APPS, headers=actors.applicant()))["items"]
    assert [a["applicant_name"] for a in listed] == ["CV Maju Bersama"] * 3


async def test_values_no_key_opens_are_reported_and_left_as_they_are(
    client: AsyncClient,
    session: AsyncSession,
    test_keys: TestKeys,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    lost = await file_application(client, actors, "sip-bidan")
    moved = await file_application(client, actors, "sip-bidan")
    kept = await file_application(client, actors, "sip-bidan")
    gone = KeyRing({"gone": os.urandom(32)}, "gone")
    foreign = gone.encrypt("Nama Lain", context="application.applicant_name")
    await write_raw(session, lost["id"], "applicant_name", foreign)
    # an attacker with write access copies a name ciphertext into the form column: it must not be laundered
    name_blob = await raw(session, moved["id"], "applicant_name")
    await write_raw(session, moved["id"], "form", name_blob)

    ring = rotate(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="siantar_permits.reencrypt"):
        report = await reencrypt(session, ring)
    names, forms = report.columns["application.applicant_name"], report.columns["application.form"]
    assert names.unreadable == {"gone": 1}
    assert names.resealed == 2
    assert forms.unreadable == {key_ring().key_id(name_blob): 1}
    assert forms.resealed == 2
    assert report.unreadable == 2
    assert report.done
    assert await raw(session, lost["id"], "applicant_name") == foreign  # not destroyed
    assert await raw(session, moved["id"], "form") == name_blob
    assert lost["id"] in caplog.text
    assert "Nama Lain" not in caplog.text
    assert "CV Maju" not in caplog.text

    assert (await reencrypt(session, ring)).unreadable == 2  # reported again, still intact
    assert await raw(session, lost["id"], "applicant_name") == foreign
    seen = ok(await client.get(f"{APPS}/{kept['id']}", headers=actors.applicant()))
    assert seen["applicant_name"] == "CV Maju Bersama"

    both = KeyRing({**ring.keys, **gone.keys}, "rot2")  # its key is back in the ring
    monkeypatch.setattr(personal, "_ring", both)
    assert (await reencrypt(session, both)).columns["application.applicant_name"].resealed == 1
    seen = ok(await client.get(f"{APPS}/{lost['id']}", headers=actors.applicant()))
    assert seen["applicant_name"] == "Nama Lain"


async def test_a_value_changed_since_it_was_read_is_not_overwritten(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    filed = await file_application(client, actors, "sip-bidan")
    current = await raw(session, filed["id"], "applicant_name")
    ring = key_ring()
    stale = ring.encrypt("Nama Lama", context="application.applicant_name")
    fresh = ring.encrypt("Nama Baru", context="application.applicant_name")
    await reseal(session, TABLE, TABLE.c.applicant_name, uuid.UUID(filed["id"]), stale, fresh)
    assert await raw(session, filed["id"], "applicant_name") == current


async def raw(session: AsyncSession, app_id: str, column: str) -> bytes:
    value = await session.scalar(
        select(type_coerce(TABLE.c[column], LargeBinary)).where(TABLE.c.id == uuid.UUID(app_id))
    )
    assert value is not None
    return bytes(value)


async def write_raw(session: AsyncSession, app_id: str, column: str, blob: bytes) -> None:
    await session.execute(
        update(TABLE).where(TABLE.c.id == uuid.UUID(app_id)).values({column: type_coerce(blob, LargeBinary)})
    )

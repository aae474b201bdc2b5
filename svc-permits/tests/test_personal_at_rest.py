"""The applicant's name and the form are sealed at rest: the raw columns hold no readable personal data, a
ciphertext is bound to its column, and the API still answers them to the applicant."""

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import seed_types
from httpx import AsyncClient
from journey import APPS, FORMS, Actors, file_application, ok
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.application.models import Application
from siantar_permits.config import Settings
from siantar_permits.personal import key_ring
from siantar_shared.fieldcrypt import DecryptionError
from siantar_shared.testing.tokens import TestKeys


async def test_raw_columns_hold_ciphertext_and_the_applicant_reads_them(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys, app_state: dict[str, Any]
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    filed = await file_application(client, actors, "sip-bidan")
    raw = (
        await session.execute(
            text("SELECT applicant_name, form FROM application WHERE reference = :r"),
            {"r": filed["reference"]},
        )
    ).one()
    name_blob, form_blob = bytes(raw.applicant_name), bytes(raw.form)
    for blob in (name_blob, form_blob):
        for secret in ("CV Maju Bersama", "Maju", "STR-123", "Jl. Merdeka", "Budi Santoso", "nomor_str"):
            assert secret.encode() not in blob
    ring = key_ring()
    assert ring.decrypt(name_blob, context="application.applicant_name") == "CV Maju Bersama"
    with pytest.raises(DecryptionError):  # bound to its column
        ring.decrypt(name_blob, context="application.form")

    seen = ok(await client.get(f"{APPS}/{filed['id']}", headers=actors.applicant()))
    assert seen["applicant_name"] == "CV Maju Bersama"
    assert seen["form"]["nomor_str"] == FORMS["sip-bidan"]["nomor_str"]
    assert seen["form"]["alamat_praktik"] == "Jl. Merdeka 2"
    session.expunge_all()
    loaded = await session.scalar(select(Application).where(Application.reference == filed["reference"]))
    assert loaded is not None
    assert loaded.applicant_name == "CV Maju Bersama"
    assert loaded.form["nama_lengkap"] == "dr. Budi Santoso"


def test_development_generates_a_ring_once_and_adds_it_to_an_older_secrets_file(tmp_path: Path) -> None:
    first = Settings(_env_file=None, VAR_DIR=tmp_path)
    ring = first.ENCRYPTION_KEYS.get_secret_value()
    assert ring.startswith("dev1:")
    assert Settings(_env_file=None, VAR_DIR=tmp_path).ENCRYPTION_KEYS.get_secret_value() == ring
    older = tmp_path / "older"
    older.mkdir()
    path = older / "permits-dev-secrets.json"
    path.write_text(json.dumps({"SIGNING_KEY": "c2VlZA==", "BANK_CALLBACK_SECRET": "bank"}), encoding="utf-8")
    upgraded = Settings(_env_file=None, VAR_DIR=older)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["SIGNING_KEY"] == "c2VlZA=="  # what it signed still verifies
    assert stored["ENCRYPTION_KEYS"] == upgraded.ENCRYPTION_KEYS.get_secret_value()


def test_production_requires_the_encryption_keys(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ENCRYPTION_KEYS"):
        Settings(
            _env_file=None, VAR_DIR=tmp_path, ENV="production", DATABASE_URL="postgresql://permits@db/permits"
        )
    assert not (tmp_path / "permits-dev-secrets.json").exists()

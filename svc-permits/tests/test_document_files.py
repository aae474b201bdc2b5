"""Document files: two uploads of one requirement at the same moment (a double tap, two devices) are both kept,
as versions 1 and 2, each row naming a file whose bytes are its own; a file whose request does not commit is
deleted; and `sweep-document-files` deletes the old files no row names (a crash between put and commit).

On PostgreSQL, truly at once: two requests on two connections of a database of their own, each held just
before it stores its file until the other has got there too (or half a second has passed: with the
application row locked, the second cannot get there before the first commits).
"""

import asyncio
import hashlib
import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import seed_types
from journey import APPS, PDF, Actors, ok
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.document import sweep
from siantar_permits.document.models import ApplicationDocument
from siantar_permits.permit_type.seed import catalogue
from siantar_shared.db import utcnow
from siantar_shared.storage import LocalStorage, StoredObject
from siantar_shared.testing.databases import sessions_of_fresh_database
from siantar_shared.testing.plugin import StateInjector
from siantar_shared.testing.tokens import TestKeys

TYPE = "sipa"


def a_pdf_requirement() -> str:
    definition = next(t.definition for t in catalogue().types if t.code == TYPE)
    return next(r.code for r in definition.requirements if "pdf" in r.allowed_types)


class MeetingStorage(LocalStorage):
    """Local files; each put waits (at most `patience` s) until `expected` puts have arrived."""

    def __init__(self, root: Path, expected: int, patience: float = 0.5) -> None:
        super().__init__(root)
        self.expected, self.patience, self.arrived = expected, patience, 0
        self.everyone = asyncio.Event()

    async def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
        self.arrived += 1
        if self.arrived >= self.expected:
            self.everyone.set()
        try:
            await asyncio.wait_for(self.everyone.wait(), self.patience)
        except TimeoutError:
            pass
        return await super().put(key, data, content_type)


def two_pdfs() -> list[bytes]:
    return [PDF + b"% first upload\n", PDF + b"% second upload\n"]


async def create_draft(client: httpx.AsyncClient, actors: Actors) -> dict[str, Any]:
    body = {"type": TYPE, "applicant_name": "Apotek Sehat", "form": {
        "nama_lengkap": "Rina", "nomor_str": "STR-1", "nama_fasyankes": "Apotek Sehat",
        "alamat_praktik": "Jl. Merdeka 2", "praktik_ke": 1}}  # fmt: skip
    return ok(await client.post(APPS, json=body, headers=actors.applicant()), 201)


async def stored_matches(storage: LocalStorage, documents: list[ApplicationDocument]) -> None:
    for document in documents:
        data = await storage.get(document.storage_key)
        assert hashlib.sha256(data).hexdigest() == document.sha256, document.storage_key


@pytest.mark.postgres
async def test_two_uploads_at_once_are_two_versions(
    app: FastAPI, app_state: dict[str, Any], alembic_ini: Any, test_keys: TestKeys, tmp_path: Path
) -> None:
    actors = Actors(test_keys)
    requirement = a_pdf_requirement()
    storage = MeetingStorage(tmp_path / "race", expected=2)
    async with sessions_of_fresh_database("documents_race", alembic_ini) as sessionmaker:
        async with sessionmaker() as setup, setup.begin():
            await seed_types(setup)
        state = {**app_state, "sessionmaker": sessionmaker, "storage": storage}
        transport = httpx.ASGITransport(app=StateInjector(app, state))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            draft = await create_draft(client, actors)
            path = f"{APPS}/{draft['id']}/documents/{requirement}"
            responses = await asyncio.gather(*(
                client.post(path, files={"file": ("x.pdf", data, "application/pdf")},
                            headers=actors.applicant())
                for data in two_pdfs()
            ))  # fmt: skip
        assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
        async with sessionmaker() as check:
            documents = list(
                await check.scalars(
                    select(ApplicationDocument)
                    .where(ApplicationDocument.application_id == uuid.UUID(draft["id"]))
                    .order_by(ApplicationDocument.version)
                )
            )
        assert [d.version for d in documents] == [1, 2]
        assert len({d.storage_key for d in documents}) == 2
        assert {d.sha256 for d in documents} == {hashlib.sha256(p).hexdigest() for p in two_pdfs()}
        await stored_matches(storage, documents)


async def test_a_file_whose_request_fails_is_deleted(
    client: httpx.AsyncClient, session: AsyncSession, test_keys: TestKeys, app_state: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    await seed_types(session)
    actors = Actors(test_keys)
    draft = await create_draft(client, actors)
    storage: LocalStorage = app_state["storage"]
    from siantar_permits.document import service as documents

    async def broken_record(*_: Any, **__: Any) -> None:
        raise RuntimeError("the audit trail could not be written")

    monkeypatch.setattr(documents, "record", broken_record)
    response = await client.post(
        f"{APPS}/{draft['id']}/documents/{a_pdf_requirement()}",
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers=actors.applicant(),
    )
    assert response.status_code == 500
    assert not [path for path in storage.path_of("applications").rglob("*") if path.is_file()]


async def test_the_sweep_deletes_only_old_files_that_no_row_names(
    client: httpx.AsyncClient, session: AsyncSession, test_keys: TestKeys, app_state: dict[str, Any]
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    draft = await create_draft(client, actors)
    uploaded = await client.post(
        f"{APPS}/{draft['id']}/documents/{a_pdf_requirement()}",
        files={"file": ("x.pdf", PDF, "application/pdf")},
        headers=actors.applicant(),
    )
    assert uploaded.status_code == 201, uploaded.text
    storage: LocalStorage = app_state["storage"]
    kept = [path.relative_to(storage.root).as_posix() for path in storage.root.rglob("*") if path.is_file()]
    assert len(kept) == 1
    crashed_document = f"applications/{draft['id']}/permohonan-v2-{uuid.uuid4()}.pdf"
    crashed_permit = f"permits/{draft['id']}/permit-7-{uuid.uuid4()}.pdf"
    just_written = f"applications/{draft['id']}/permohonan-v3-{uuid.uuid4()}.pdf"
    other_prefix = "complaints/somewhere/photo.jpg"
    for key in (crashed_document, crashed_permit, just_written, other_prefix):
        await storage.put(key, b"%PDF-", "application/pdf")
    now = utcnow()
    hours_ago = (now - timedelta(hours=2)).timestamp()
    for key in (*kept, crashed_document, crashed_permit, other_prefix):
        os.utime(storage.path_of(key), (hours_ago, hours_ago))

    assert await sweep.sweep_orphans(session, storage, now=now) == 2

    for key in (crashed_document, crashed_permit):
        assert not await storage.exists(key), key
    for key in (*kept, just_written, other_prefix):
        assert await storage.exists(key), key
    assert await sweep.sweep_orphans(session, storage, now=now + timedelta(hours=2)) == 1  # now old enough
    assert not await storage.exists(just_written)
    assert await storage.exists(kept[0])

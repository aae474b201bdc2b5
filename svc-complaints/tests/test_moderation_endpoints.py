"""Moderation over HTTP: flags by citizens, redaction, hiding photos and timeline entries, privacy flags; each
recorded (timeline, action with the original encrypted, event) and refused to everyone but the desk."""

from typing import Any
from uuid import UUID, uuid4

import pytest
from factories import create_complaint, events, seed_catalogue
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_complaints.config import Settings
from siantar_complaints.moderation import vault
from siantar_complaints.moderation.models import ModerationAction, ModerationFlag
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

EVENT = "id.go.pematangsiantar.complaints.complaint.{}"
LIST = "/complaints/v1/complaints"


def bearer(test_keys: TestKeys, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_keys.mint(**claims)}"}


@pytest.fixture
async def complaint(session: AsyncSession) -> Complaint:
    await seed_catalogue(session)
    return await create_complaint(
        session, description="Lampu mati depan rumah Pak Budi Sitorus, telepon 0812-3456-7890."
    )


async def photo_of(session: AsyncSession, complaint: Complaint) -> ComplaintPhoto:
    photo = ComplaintPhoto(
        complaint_id=complaint.id, storage_key="p/1.jpg", thumbnail_key="p/1-t.jpg", content_type="image/jpeg",
        width=10, height=10, size_bytes=100, sha256="0" * 64,
    )  # fmt: skip
    saved: ComplaintPhoto = await save(session, photo)
    complaint.photo_count += 1
    await session.flush()
    return saved


async def entry_of(
    session: AsyncSession, complaint: Complaint, visibility: str = "public"
) -> ComplaintUpdate:
    update = ComplaintUpdate(
        complaint_id=complaint.id, kind="public_update", visibility=visibility, note="Kami cek besok.",
        actor_role="officer", data={},
    )  # fmt: skip
    saved: ComplaintUpdate = await save(session, update)
    return saved


class TestFlag:
    async def test_anonymous(self, client: AsyncClient, complaint: Complaint) -> None:
        response = await client.post(f"{LIST}/{complaint.id}/flags", json={"reason": "abuse"})
        assert response.status_code == 401

    async def test_citizen_flags_what_they_see(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        citizen = uuid4()
        body = {"reason": "personal_data", "note": "Ada nomor HP orang"}
        response = await client.post(
            f"{LIST}/{complaint.id}/flags", json=body, headers=bearer(test_keys, subject=citizen)
        )
        assert response.status_code == 201
        assert response.json()["status"] == "open"
        row = await session.get(ModerationFlag, UUID(response.json()["id"]))
        assert row is not None
        assert row.flagged_by_id == citizen
        (event,) = await events(session, EVENT.format("flagged"))
        assert event.data["reason"] == "personal_data"
        assert "note" not in event.data

    async def test_restricted_complaint_of_another_is_404(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        complaint.report_visibility = "restricted"
        await session.flush()
        response = await client.post(
            f"{LIST}/{complaint.id}/flags", json={"reason": "abuse"}, headers=bearer(test_keys)
        )
        assert response.status_code == 404
        own = await client.post(
            f"{LIST}/{complaint.id}/flags",
            json={"reason": "abuse"},
            headers=bearer(test_keys, subject=complaint.reporter_id),
        )
        assert own.status_code == 201

    async def test_a_staff_entry_cannot_be_flagged_by_a_citizen(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        note = await entry_of(session, complaint, visibility="staff")
        body = {"reason": "abuse", "update_id": str(note.id)}
        response = await client.post(f"{LIST}/{complaint.id}/flags", json=body, headers=bearer(test_keys))
        assert response.status_code == 404
        other = await create_complaint(session)
        photo = await photo_of(session, other)
        body = {"reason": "abuse", "photo_id": str(photo.id)}
        response = await client.post(f"{LIST}/{complaint.id}/flags", json=body, headers=bearer(test_keys))
        assert response.status_code == 404

    async def test_bad_body_is_422(
        self, client: AsyncClient, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        for body in ({"reason": "boring"}, {"reason": "abuse", "note": "x" * 1001}):
            response = await client.post(f"{LIST}/{complaint.id}/flags", json=body, headers=bearer(test_keys))
            assert response.status_code == 422


class TestDeskQueue:
    async def test_only_the_desk_reads_and_resolves_flags(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        created = await client.post(
            f"{LIST}/{complaint.id}/flags", json={"reason": "spam"}, headers=bearer(test_keys)
        )
        flag_id = created.json()["id"]
        for roles in (["citizen"], ["officer"], ["supervisor"]):
            headers = bearer(test_keys, roles=roles, agency="DISHUB")
            assert (await client.get("/complaints/v1/moderation/flags", headers=headers)).status_code == 403
        desk = bearer(test_keys, roles=["verifier"])
        listed = await client.get("/complaints/v1/moderation/flags", headers=desk)
        assert [f["id"] for f in listed.json()["items"]] == [flag_id]
        resolve = f"/complaints/v1/moderation/flags/{flag_id}/resolve"
        done = await client.post(resolve, json={"status": "dismissed", "note": "Bukan spam"}, headers=desk)
        assert done.status_code == 200
        assert done.json()["status"] == "dismissed"
        again = await client.post(resolve, json={"status": "dismissed", "note": "Bukan spam"}, headers=desk)
        assert again.status_code == 409
        assert (await client.get("/complaints/v1/moderation/flags", headers=desk)).json()["items"] == []


class TestRedact:
    async def test_officer_and_citizen_cannot(
        self, client: AsyncClient, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        body = {"description": "Lampu mati.", "reason": "Data pribadi"}
        url = f"{LIST}/{complaint.id}/moderation/redact"
        for claims in ({"roles": ["officer"], "agency": "DISHUB"}, {"subject": complaint.reporter_id}):
            response = await client.post(
                url, json=body, headers={**bearer(test_keys, **claims), "If-Match": '"v1"'}
            )
            assert response.status_code == 403

    async def test_redaction_keeps_the_original_encrypted_and_records_everything(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        flagged = await client.post(
            f"{LIST}/{complaint.id}/flags", json={"reason": "personal_data"}, headers=bearer(test_keys)
        )
        original = complaint.description
        desk = bearer(test_keys, roles=["verifier"])
        body = {
            "description": "Lampu mati depan rumah warga.",
            "reason": "Nama dan telepon",
            "flag_id": flagged.json()["id"],
        }
        url = f"{LIST}/{complaint.id}/moderation/redact"
        assert (await client.post(url, json=body, headers=desk)).status_code == 428
        stale = await client.post(url, json=body, headers={**desk, "If-Match": '"v9"'})
        assert stale.status_code == 412
        response = await client.post(url, json=body, headers={**desk, "If-Match": f'"v{complaint.version}"'})
        assert response.status_code == 200
        assert response.json()["fields"] == ["description"]
        assert "original" not in response.json()
        await session.refresh(complaint)
        assert complaint.description == "Lampu mati depan rumah warga."
        assert response.headers["etag"] == f'"v{complaint.version}"'
        action = (await session.scalars(select(ModerationAction))).one()
        assert action.original is not None
        assert b"Budi" not in action.original
        key = vault.key_for(Settings(_env_file=None))
        assert vault.unseal(key, complaint.id, action.original) == {"description": original}
        entry = (
            await session.scalars(select(ComplaintUpdate).where(ComplaintUpdate.complaint_id == complaint.id))
        ).one()
        assert (entry.visibility, entry.note, entry.data["moderation"]) == (
            "staff",
            "Nama dan telepon",
            "redact_text",
        )
        flag = await session.get(ModerationFlag, UUID(flagged.json()["id"]))
        assert flag is not None
        assert flag.status == "actioned"
        (event,) = await events(session, EVENT.format("redacted"))
        assert event.data["fields"] == ["description"]
        assert "Budi" not in str(event.data)
        listed = await client.get(LIST, params={"q": "budi"})
        assert listed.json()["items"] == []


class TestHide:
    async def test_hidden_photo_and_entry_are_recorded(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        photo = await photo_of(session, complaint)
        entry = await entry_of(session, complaint)
        desk = bearer(test_keys, roles=["admin"])
        body = {"hidden": True, "reason": "Wajah orang terlihat"}
        hide_photo = await client.post(
            f"{LIST}/{complaint.id}/photos/{photo.id}/moderation", json=body, headers=desk
        )
        assert hide_photo.status_code == 200
        hide_entry = await client.post(
            f"{LIST}/{complaint.id}/updates/{entry.id}/moderation", json=body, headers=desk
        )
        assert hide_entry.status_code == 200
        await session.refresh(photo)
        await session.refresh(entry)
        assert (photo.hidden, photo.hidden_reason, entry.hidden) == (True, "Wajah orang terlihat", True)
        (public_item,) = (await client.get(LIST)).json()["items"]
        assert public_item["photos"] == []
        officer = bearer(test_keys, roles=["officer"], agency="DISHUB")
        (staff_item,) = (await client.get("/complaints/v1/queue", headers=officer)).json()["items"]
        assert [p["id"] for p in staff_item["photos"]] == [str(photo.id)]
        history = await client.get(f"{LIST}/{complaint.id}/moderation", headers=desk)
        assert [a["action"] for a in history.json()["items"]] == ["hide_photo", "hide_update"]
        shown = await client.post(
            f"{LIST}/{complaint.id}/photos/{photo.id}/moderation",
            json={"hidden": False, "reason": "Salah"},
            headers=desk,
        )
        assert shown.json()["action"] == "show_photo"
        assert len(await events(session, EVENT.format("photo_moderated"))) == 2

    async def test_a_photo_of_another_complaint_is_404(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        photo = await photo_of(session, await create_complaint(session))
        response = await client.post(
            f"{LIST}/{complaint.id}/photos/{photo.id}/moderation",
            json={"hidden": True, "reason": "Tidak pantas"},
            headers=bearer(test_keys, roles=["verifier"]),
        )
        assert response.status_code == 404


class TestPrivacy:
    async def test_desk_restricts_a_report_and_it_leaves_public_lists(
        self, client: AsyncClient, session: AsyncSession, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        desk = bearer(test_keys, roles=["verifier"])
        url = f"{LIST}/{complaint.id}/privacy"
        body = {
            "report_visibility": "restricted",
            "identity_visibility": "hidden",
            "reason": "Menyebut pihak ketiga",
        }
        officer = bearer(test_keys, roles=["officer"], agency="DISHUB")
        assert (await client.put(url, json=body, headers={**officer, "If-Match": '"v1"'})).status_code == 403
        response = await client.put(url, json=body, headers={**desk, "If-Match": f'"v{complaint.version}"'})
        assert response.status_code == 200
        assert response.json()["fields"] == ["identity_visibility", "report_visibility"]
        assert (await client.get(LIST)).json()["items"] == []
        entry = (
            await session.scalars(select(ComplaintUpdate).where(ComplaintUpdate.complaint_id == complaint.id))
        ).one()
        assert (entry.kind, entry.visibility) == ("visibility_change", "staff")
        (event,) = await events(session, EVENT.format("privacy_changed"))
        assert event.data["report_visibility"] == "restricted"

    async def test_nothing_to_change_is_422(
        self, client: AsyncClient, complaint: Complaint, test_keys: TestKeys
    ) -> None:
        response = await client.put(
            f"{LIST}/{complaint.id}/privacy",
            json={"reason": "tidak ada"},
            headers={**bearer(test_keys, roles=["admin"]), "If-Match": '"v1"'},
        )
        assert response.status_code == 422

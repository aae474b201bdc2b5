"""The timeline through HTTP: who reads which entries, who posts what, hidden identities, templates, photos."""

from typing import Any
from uuid import uuid4

import pytest
from factories import seed_catalogue
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession
from test_lifecycle_support import BASE, Cast, complaint_in, reload, timeline

from siantar_complaints.complaint.models import Complaint, ComplaintPhoto, ComplaintUpdate
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys


@pytest.fixture
async def cast(test_keys: TestKeys, session: AsyncSession) -> Cast:
    await seed_catalogue(session)
    return Cast(test_keys)


def updates(complaint: Complaint) -> str:
    return f"{BASE}/{complaint.id}/updates"


async def entry(
    session: AsyncSession, complaint: Complaint, visibility: str, actor: Any, **kw: Any
) -> ComplaintUpdate:
    values: dict[str, Any] = {
        "complaint_id": complaint.id, "kind": "public_update", "visibility": visibility, "note": visibility,
        "actor_id": actor, "actor_role": "officer", "data": {}, **kw,
    }  # fmt: skip
    saved: ComplaintUpdate = await save(session, ComplaintUpdate(**values))
    return saved


async def seen(client: AsyncClient, complaint: Complaint, headers: dict[str, str] | None = None) -> list[str]:
    response = await client.get(updates(complaint), headers=headers or {})
    assert response.status_code == 200, response.text
    return [item["note"] for item in response.json()["items"]]


async def test_who_reads_what(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast)
    for visibility in ("public", "participants", "staff"):
        await entry(session, complaint, visibility, cast.officer.subject)
    await entry(session, complaint, "public", cast.officer.subject, hidden=True, note="hidden")
    staff = ["public", "participants", "staff", "hidden"]
    assert await seen(client, complaint) == ["public"]
    assert await seen(client, complaint, cast.citizen.headers()) == ["public"]
    assert await seen(client, complaint, cast.other_officer.headers()) == ["public"]
    assert await seen(client, complaint, cast.reporter.headers()) == ["public", "participants"]
    for person in (cast.officer, cast.officer2, cast.supervisor, cast.verifier, cast.admin):
        assert await seen(client, complaint, person.headers()) == staff


async def test_restricted_complaint_is_404_for_outsiders_everywhere(
    client: AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    complaint = await complaint_in(session, "resolved", cast=cast, report_visibility="restricted")
    await entry(session, complaint, "public", cast.officer.subject)
    one = f"{BASE}/{complaint.id}"
    for person in (None, cast.citizen, cast.other_officer, cast.other_supervisor):
        headers = person.headers() if person else {}
        assert (await client.get(f"{one}/updates", headers=headers)).status_code == 404
        if person is None:
            continue
        calls = [
            client.post(f"{one}/updates", json={"kind": "citizen_reply", "text": "x"}, headers=headers),
            client.post(f"{one}/follow", headers=headers),
            client.delete(f"{one}/follow", headers=headers),
            client.post(f"{one}/rating", json={"score": 5}, headers=headers),
        ]
        for call in calls:
            assert (await call).status_code == 404
    assert await seen(client, complaint, cast.reporter.headers()) == ["public"]


async def test_hidden_identity_never_leaks_through_actor_ids(
    client: AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast, identity_visibility="hidden")
    await entry(session, complaint, "public", cast.reporter.subject, actor_role="citizen", note="by reporter")
    await entry(session, complaint, "public", cast.officer.subject, note="by officer")

    async def actors(headers: dict[str, str]) -> list[Any]:
        return [
            item["actor_id"]
            for item in (await client.get(updates(complaint), headers=headers)).json()["items"]
        ]

    officer_id = str(cast.officer.subject)
    assert await actors({}) == [None, None]
    assert await actors(cast.citizen.headers()) == [None, None]
    assert await actors(cast.officer.headers()) == [None, officer_id]  # officers never see a hidden reporter
    assert await actors(cast.verifier.headers()) == [str(cast.reporter.subject), officer_id]
    assert await actors(cast.reporter.headers()) == [str(cast.reporter.subject), None]


async def test_public_update_internal_note_and_reply(
    client: AsyncClient, session: AsyncSession, cast: Cast
) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast)
    version = complaint.version
    note = await client.post(
        updates(complaint),
        json={"kind": "internal_note", "text": "Cek gudang"},
        headers=cast.officer2.headers(),
    )
    assert note.status_code == 201, note.text
    assert note.json()["visibility"] == "staff"
    assert (
        await reload(session, complaint)
    ).version == version  # an internal note is not a change of the complaint
    public = await client.post(
        updates(complaint),
        json={"kind": "public_update", "text": "Teknisi dijadwalkan besok"},
        headers=cast.officer.headers(),
    )
    assert public.status_code == 201
    assert public.headers["ETag"] == f'"v{version + 1}"'
    reply = await client.post(
        updates(complaint),
        json={"kind": "citizen_reply", "text": "Terima kasih"},
        headers=cast.reporter.headers(),
    )
    assert reply.status_code == 201
    assert reply.json()["visibility"] == "participants"
    kinds = [(e.kind, e.visibility) for e in await timeline(session, complaint)]
    assert kinds == [
        ("internal_note", "staff"),
        ("public_update", "public"),
        ("citizen_reply", "participants"),
    ]


@pytest.mark.parametrize(
    ("kind", "who", "status"),
    [
        ("public_update", "reporter", 403),
        ("public_update", "citizen", 403),
        ("public_update", "other_officer", 403),
        ("public_update", "officer2", 403),  # assigned to another officer
        ("internal_note", "reporter", 403),
        ("internal_note", "other_officer", 403),
        ("citizen_reply", "citizen", 403),
        ("citizen_reply", "officer", 403),
        ("status_change", "officer", 422),  # not a kind one posts
    ],
)
async def test_who_may_not_post(
    client: AsyncClient, session: AsyncSession, cast: Cast, kind: str, who: str, status: int
) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast)
    response = await client.post(
        updates(complaint), json={"kind": kind, "text": "x"}, headers=getattr(cast, who).headers()
    )
    assert response.status_code == status, response.text
    assert await timeline(session, complaint) == []


async def test_bad_posts(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast)
    headers = cast.officer.headers()
    bodies = [
        {"kind": "public_update", "text": "<script>alert(1)</script>"},
        {"kind": "public_update", "text": ""},
        {"kind": "public_update", "text": "x" * 4001},
        {"kind": "public_update", "template_code": "tidak-ada"},
        {"kind": "public_update", "text": "x", "photo_ids": [str(uuid4())]},
    ]
    for body in bodies:
        assert (await client.post(updates(complaint), json=body, headers=headers)).status_code == 422, body
    closed = await complaint_in(session, "closed", cast=cast)
    response = await client.post(
        updates(closed), json={"kind": "citizen_reply", "text": "x"}, headers=cast.reporter.headers()
    )
    assert response.status_code == 409
    stale = await client.post(
        updates(complaint),
        json={"kind": "public_update", "text": "x"},
        headers=cast.officer.headers(version=99),
    )
    assert stale.status_code == 412
    assert await timeline(session, complaint) == []


async def test_template_and_photos(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast)
    other = await complaint_in(session, "in_progress", cast=cast)

    async def photo(of: Complaint) -> ComplaintPhoto:
        values = {
            "storage_key": "k",
            "thumbnail_key": "t",
            "content_type": "image/jpeg",
            "width": 1,
            "height": 1,
        }
        saved: ComplaintPhoto = await save(
            session, ComplaintPhoto(complaint_id=of.id, size_bytes=1, sha256="0" * 64, **values)
        )
        return saved

    mine, foreign = await photo(complaint), await photo(other)
    from factories import get_category

    category = await get_category(session, complaint.category_code)
    template = category.response_templates[0]
    headers = cast.officer.headers()
    body: dict[str, Any] = {
        "kind": "public_update",
        "template_code": template["code"],
        "photo_ids": [str(foreign.id)],
    }
    assert (await client.post(updates(complaint), json=body, headers=headers)).status_code == 422
    body["photo_ids"] = [str(mine.id)]
    response = await client.post(updates(complaint), json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["note"] == template["body"]["id"]
    assert response.json()["photo_ids"] == [str(mine.id)]
    listed = (await client.get(updates(complaint))).json()["items"]
    assert listed[0]["photo_ids"] == [str(mine.id)]
    # a photo is on one entry only
    again = await client.post(
        updates(complaint),
        json={"kind": "public_update", "text": "y", "photo_ids": [str(mine.id)]},
        headers=headers,
    )
    assert again.status_code == 422


async def test_reply_while_waiting_resumes(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "waiting_for_citizen", cast=cast)
    response = await client.post(
        updates(complaint),
        json={"kind": "citizen_reply", "text": "Di depan nomor 12"},
        headers=cast.reporter.headers(),
    )
    assert response.status_code == 201
    assert (response.json()["from_status"], response.json()["to_status"]) == (
        "waiting_for_citizen",
        "in_progress",
    )
    saved = await reload(session, complaint)
    assert saved.status == "in_progress"
    assert saved.sla_paused is False
    assert saved.sla_pauses[-1][1] is not None
    assert saved.sla_due_at is not None


async def test_keyset_pages(client: AsyncClient, session: AsyncSession, cast: Cast) -> None:
    complaint = await complaint_in(session, "in_progress", cast=cast)
    for _ in range(3):
        await entry(session, complaint, "public", cast.officer.subject)
    first = (await client.get(updates(complaint), params={"limit": 2})).json()
    second = (
        await client.get(updates(complaint), params={"limit": 2, "cursor": first["next_cursor"]})
    ).json()
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None

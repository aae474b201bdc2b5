"""GET /identity/v1/audit: the data protection officer's view of the audit trail, and its append-only table."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from factories_privacy import bearer
from httpx import AsyncClient
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_identity.audit.models import AuditRecord
from siantar_shared.testing.plugin import save
from siantar_shared.testing.tokens import TestKeys

URL = "/identity/v1/audit"
BASE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


async def trail(session: AsyncSession, actor: uuid.UUID, subject: uuid.UUID) -> list[AuditRecord]:
    """Five records, an hour apart from BASE: sign-ins of `actor`, reads of `subject`'s data by `actor`."""
    entries = []
    for hour, action in enumerate(["sign_in", "pii.read", "sign_in", "pii.read", "sign_in_failed"]):
        entry = AuditRecord(
            action=action,
            outcome="failure" if action == "sign_in_failed" else "success",
            actor_id=actor,
            actor_kind="account",
            subject_id=subject if action == "pii.read" else actor,
            client_id="siantar-staff",
            ip="10.1.2.3",
            request_id=f"req-{hour}",
            purpose="complaint_handling" if action == "pii.read" else None,
            detail={},
            created_at=BASE + timedelta(hours=hour),
        )
        entries.append(await save(session, entry))
    return entries


class TestAuditFeed:
    async def test_anonymous(self, client: AsyncClient) -> None:
        response = await client.get(URL)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    @pytest.mark.parametrize("role", ["admin", "citizen", "verifier", "officer", "service"])
    async def test_only_the_dpo(self, role: str, client: AsyncClient, test_keys: TestKeys) -> None:
        assert (await client.get(URL, headers=bearer(test_keys, uuid.uuid4(), [role]))).status_code == 403

    async def test_newest_first_with_pagination(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        actor, subject = uuid.uuid4(), uuid.uuid4()
        entries = await trail(session, actor, subject)
        headers = bearer(test_keys, uuid.uuid4(), ["dpo"])
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, str | int] = {"actor_id": str(actor), "limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get(URL, params=params, headers=headers)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [str(entry.id) for entry in reversed(entries)]

    async def test_answers_who_what_whose_when_where_why(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        actor, subject = uuid.uuid4(), uuid.uuid4()
        await trail(session, actor, subject)
        response = await client.get(
            URL, params={"subject_id": str(subject)}, headers=bearer(test_keys, uuid.uuid4(), ["dpo"])
        )
        items = response.json()["items"]
        assert [item["request_id"] for item in items] == ["req-3", "req-1"]
        first = items[0]
        assert (first["actor_id"], first["action"], first["subject_id"]) == (
            str(actor),
            "pii.read",
            str(subject),
        )
        assert (first["ip"], first["client_id"], first["purpose"]) == (
            "10.1.2.3",
            "siantar-staff",
            "complaint_handling",
        )
        assert datetime.fromisoformat(first["created_at"]) == BASE + timedelta(hours=3)

    @pytest.mark.parametrize(
        ("params", "request_ids"),
        [
            ({"action": "sign_in"}, ["req-2", "req-0"]),
            ({"outcome": "failure"}, ["req-4"]),
            (
                {
                    "since": (BASE + timedelta(hours=1)).isoformat(),
                    "until": (BASE + timedelta(hours=3)).isoformat(),
                },
                ["req-2", "req-1"],
            ),
            ({"since": (BASE + timedelta(hours=4)).isoformat()}, ["req-4"]),
        ],
    )
    async def test_filters(
        self,
        params: dict[str, str],
        request_ids: list[str],
        client: AsyncClient,
        session: AsyncSession,
        test_keys: TestKeys,
    ) -> None:
        actor = uuid.uuid4()
        await trail(session, actor, uuid.uuid4())
        response = await client.get(
            URL, params={**params, "actor_id": str(actor)}, headers=bearer(test_keys, uuid.uuid4(), ["dpo"])
        )
        assert response.status_code == 200
        assert [item["request_id"] for item in response.json()["items"]] == request_ids

    @pytest.mark.parametrize(
        ("params", "status"),
        [
            ({"since": "2026-11-02T08:00:00"}, 422),  # no time zone
            ({"actor_id": "not-a-uuid"}, 422),
            ({"since": "2026-11-03T00:00:00Z", "until": "2026-11-02T00:00:00Z"}, 400),
            ({"cursor": "garbage"}, 400),
            ({"limit": 1000}, 422),
        ],
    )
    async def test_bad_filters(
        self, params: dict[str, str], status: int, client: AsyncClient, test_keys: TestKeys
    ) -> None:
        response = await client.get(URL, params=params, headers=bearer(test_keys, uuid.uuid4(), ["dpo"]))
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"

    async def test_reading_is_itself_recorded(
        self, client: AsyncClient, session: AsyncSession, test_keys: TestKeys
    ) -> None:
        dpo, subject = uuid.uuid4(), uuid.uuid4()
        await client.get(URL, params={"subject_id": str(subject)}, headers=bearer(test_keys, dpo, ["dpo"]))
        entry = (await session.scalars(select(AuditRecord).where(AuditRecord.actor_id == dpo))).one()
        assert entry.action == "audit.read"
        assert entry.detail == {"filters": {"subject_id": str(subject)}, "count": 0}


class TestAppendOnly:
    async def test_update_is_refused(self, session: AsyncSession) -> None:
        entry = await save(session, AuditRecord(action="sign_in", actor_kind="account", detail={}))
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(
                    update(AuditRecord).where(AuditRecord.id == entry.id).values(outcome="x")
                )

    async def test_delete_is_refused(self, session: AsyncSession) -> None:
        entry = await save(session, AuditRecord(action="sign_in", actor_kind="account", detail={}))
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(delete(AuditRecord).where(AuditRecord.id == entry.id))
        assert (
            await session.scalars(select(AuditRecord.id).where(AuditRecord.id == entry.id))
        ).one() == entry.id

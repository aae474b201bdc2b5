"""Messages to applicants: queued with the change, delivered through identity's notify endpoint, retried."""

import json
from datetime import timedelta
from typing import Any

import httpx
from helpers import seed_types
from httpx import AsyncClient
from journey import Actors, act, file_application, ok
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_permits.notify.models import Notification
from siantar_permits.notify.outbox import deliver, identity_sender
from siantar_shared.db import utcnow
from siantar_shared.service_token import ServiceTokenSource
from siantar_shared.testing.tokens import TestKeys


class FakeIdentity:
    """identity's token and notify endpoints: the first notify call fails (503), later ones are accepted."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.calls = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/identity/v1/oauth/token":
            return httpx.Response(200, json={"access_token": "t", "token_type": "Bearer", "expires_in": 600})
        self.calls += 1
        if self.calls == 1:
            return httpx.Response(503)
        self.sent.append(json.loads(request.content))
        return httpx.Response(202, json={"status": "sent"})


async def test_queued_with_the_change_and_delivered(
    client: AsyncClient, session: AsyncSession, test_keys: TestKeys
) -> None:
    await seed_types(session)
    actors = Actors(test_keys)
    app = await file_application(client, actors, "izin-penelitian")
    ok(
        await act(
            client,
            app,
            "completeness",
            actors.officer(),
            {"complete": False, "note": "Proposal tidak terbaca"},
        )
    )
    queued = list(await session.scalars(select(Notification).order_by(Notification.created_at)))
    assert [n.template for n in queued] == ["permit_application_received", "permit_needs_correction"]
    assert queued[1].params["correction"] == "Proposal tidak terbaca"
    assert all(n.subject_id == actors.applicant_id for n in queued)
    identity = FakeIdentity()
    async with httpx.AsyncClient(
        base_url="http://identity.test", transport=httpx.MockTransport(identity.handler)
    ) as http:
        send = identity_sender(ServiceTokenSource(http, client_id="svc-permits", secret=lambda: "s"))
        now = utcnow()
        assert await deliver(session, send, now) == {"sent": 1, "retry": 1, "failed": 0}
        assert await deliver(session, send, now) == {"sent": 0, "retry": 0, "failed": 0}  # not due yet
        assert await deliver(session, send, now + timedelta(minutes=5)) == {
            "sent": 1,
            "retry": 0,
            "failed": 0,
        }
    assert sorted(m["template"] for m in identity.sent) == [
        "permit_application_received",
        "permit_needs_correction",
    ]
    assert all(m["subject_id"] == str(actors.applicant_id) for m in identity.sent)
    assert "Rina" not in str(identity.sent)  # no personal data in the parameters

"""Helpers of the lifecycle tests (no tests here): callers, complaints in a given state, what was written."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from factories import create_complaint
from fakes_identity import FakeIdentity
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint, ComplaintUpdate
from siantar_complaints.lifecycle.models import NotificationOutbox
from siantar_complaints.models import platform
from siantar_shared.testing.tokens import TestKeys

BASE = "/complaints/v1/complaints"
OPD = "DISHUB"  # lampu-jalan's OPD
OTHER_OPD = "DLH"


class Caller:
    """A signed-in person: their account id, roles and agency, and request headers."""

    def __init__(
        self, keys: TestKeys, roles: list[str], agency: str | None = None, subject: UUID | None = None
    ):
        self.subject = subject or uuid4()
        self.token = keys.mint(roles=roles, agency=agency, subject=self.subject)

    def headers(self, complaint: Complaint | None = None, *, version: int | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if complaint is not None or version is not None:
            headers["If-Match"] = f'"v{version if version is not None else complaint.version}"'  # type: ignore[union-attr]
        return headers


class Cast:
    """Everyone the tests need: the reporter, another citizen, the desk, the OPD's people, another OPD's."""

    def __init__(self, keys: TestKeys) -> None:
        self.reporter = Caller(keys, ["citizen"])
        self.citizen = Caller(keys, ["citizen"])
        self.verifier = Caller(keys, ["verifier"])
        self.admin = Caller(keys, ["admin"])
        self.supervisor = Caller(keys, ["supervisor"], OPD)
        self.officer = Caller(keys, ["officer"], OPD)
        self.officer2 = Caller(keys, ["officer"], OPD)
        self.other_officer = Caller(keys, ["officer"], OTHER_OPD)
        self.other_supervisor = Caller(keys, ["supervisor"], OTHER_OPD)

    def register_staff(self, identity: FakeIdentity) -> None:
        """Make the OPDs' people known to identity's staff directory, which decides who may be assigned."""
        for person, roles, agency in (
            (self.supervisor, ["supervisor"], OPD),
            (self.officer, ["officer"], OPD),
            (self.officer2, ["officer"], OPD),
            (self.other_officer, ["officer"], OTHER_OPD),
            (self.other_supervisor, ["supervisor"], OTHER_OPD),
        ):
            identity.add_staff(person.subject, roles, agency)


# the columns a complaint has in each state (as the transitions leave them)
STATE_COLUMNS: dict[str, dict[str, Any]] = {
    "submitted": {},
    "verified": {"verified_at": True},
    "dispositioned": {"verified_at": True, "dispositioned_at": True},
    "in_progress": {"verified_at": True, "dispositioned_at": True, "assigned": True},
    "waiting_for_citizen": {"verified_at": True, "dispositioned_at": True, "assigned": True, "paused": True},
    "resolved": {"verified_at": True, "dispositioned_at": True, "assigned": True, "resolved_at": True},
    "closed": {
        "verified_at": True,
        "dispositioned_at": True,
        "assigned": True,
        "resolved_at": True,
        "closed_at": True,
    },
    "reopened": {"verified_at": True, "dispositioned_at": True, "assigned": True, "resolved_at": True},
    "rejected": {"status_reason": "Bukan pengaduan"},
    "duplicate": {},
    "redirected": {"redirected_to": "BPJS"},
}


async def complaint_in(
    session: AsyncSession, status: str, *, cast: Cast, officer: Caller | None = None, **overrides: Any
) -> Complaint:
    """A complaint of `cast.reporter` in `status`, routed to OPD; in_progress and later assigned to `officer`
    (default: cast.officer). The catalogue must be seeded (the `cast` fixtures do it)."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {"status": status, "reporter_id": cast.reporter.subject}
    for column, value in STATE_COLUMNS[status].items():
        if column == "assigned":
            values["assigned_officer_id"] = (officer or cast.officer).subject
        elif column == "paused":
            values.update(sla_stage="follow_up", sla_started_at=now - timedelta(days=1), sla_budget_days=5)
            values.update(sla_paused=True, sla_pauses=[[now.isoformat(), None]])
        elif value is True:
            values[column] = now - timedelta(hours=1)
        else:
            values[column] = value
    values.update(overrides)
    return await create_complaint(session, **values)


async def reload(session: AsyncSession, complaint: Complaint) -> Complaint:
    session.expunge_all()
    return (await session.scalars(select(Complaint).where(Complaint.id == complaint.id))).one()


async def timeline(session: AsyncSession, complaint: Complaint) -> list[ComplaintUpdate]:
    statement = select(ComplaintUpdate).where(ComplaintUpdate.complaint_id == complaint.id)
    return list(await session.scalars(statement.order_by(ComplaintUpdate.created_at)))


async def outbox(session: AsyncSession, complaint: Complaint) -> list[NotificationOutbox]:
    statement = select(NotificationOutbox).where(NotificationOutbox.complaint_id == complaint.id)
    return list(await session.scalars(statement.order_by(NotificationOutbox.created_at)))


async def events_of(session: AsyncSession, complaint: Complaint) -> list[Any]:
    model = platform.outbox_event
    statement = select(model).where(model.subject == str(complaint.id)).order_by(model.position)
    return list(await session.scalars(statement))

"""Who sees which complaint, and which parts of it: the one place these rules live. Every query of complaints
(lists, search, map, duplicates, counts, exports, stats, the event feed, Open311) filters with `visible_to`, and
every answer about one complaint is cut with `shows_identity` / `shows_internal`.

- anonymous visitors: public complaints only, never a hidden identity;
- citizens: their own complaints and public ones;
- officers and supervisors: their OPD's complaints (its queue), and public ones like everybody; the reporter's
  identity only when it is not hidden;
- the verifier desk and admins: everything.
A complaint a caller may not see is a 404 for that caller (never a 403: its existence is not disclosed).
"""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy import ColumnElement, or_, true

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.states import IdentityVisibility, ReportVisibility
from siantar_shared.auth import Principal, Role

DESK_ROLES = frozenset({Role.verifier, Role.admin})
OPD_ROLES = frozenset({Role.officer, Role.supervisor})


class Seen(Protocol):
    """What the rules read of a complaint: a `Complaint`, or a list page's row of its columns."""

    @property
    def reporter_id(self) -> UUID | None: ...
    @property
    def opd_code(self) -> str: ...
    @property
    def identity_visibility(self) -> str: ...
    @property
    def report_visibility(self) -> str: ...


_PUBLIC_REPORT = ReportVisibility.public.value
# the clauses use the table's columns (the same SQL as the ORM attributes, built a little faster)
_COLUMNS = Complaint.__table__.c
_PUBLIC_IDENTITY = IdentityVisibility.public.value
_AGENCY_IDENTITY = IdentityVisibility.agency.value


@dataclass(frozen=True, slots=True)
class Viewer:
    """A caller as these rules see them, worked out once: a list page asks the rules about every row, and the
    role checks of a `Principal` are the costly part (bench/complaints/README.md). The rules about one complaint
    are the methods below; the module functions take a `Principal`, a `Viewer` or None (anonymous) and apply
    them. `complaint` is anything with the complaint's columns as attributes (an ORM row or a list row)."""

    desk: bool  # the verifier desk or an admin: everything
    opd: str | None  # an officer's or supervisor's OPD (with an agency claim)
    person: UUID | None  # the subject of a person's token (a service token reports nothing of its own)

    @classmethod
    def of(cls, caller: "Caller") -> "Viewer":
        if isinstance(caller, Viewer):
            return caller
        if caller is None:
            return ANONYMOUS
        return cls(
            desk=caller.has_role(*DESK_ROLES),
            opd=caller.agency if caller.has_role(*OPD_ROLES) else None,
            person=None if caller.is_service else caller.subject,
        )

    def is_reporter(self, complaint: Seen) -> bool:
        return self.person is not None and complaint.reporter_id == self.person

    def can_see(self, complaint: Seen) -> bool:
        """The same rule as `visible_to`, for a complaint already loaded."""
        if self.desk or complaint.report_visibility == _PUBLIC_REPORT:
            return True
        if self.person is not None and complaint.reporter_id == self.person:
            return True
        return self.opd is not None and complaint.opd_code == self.opd

    def is_staff_of(self, complaint: Seen) -> bool:
        """Staff working this complaint: the desk, or an officer/supervisor of the OPD it is routed to."""
        return self.desk or (self.opd is not None and complaint.opd_code == self.opd)

    def shows_identity(self, complaint: Seen) -> bool:
        """Whether the answer may name the reporter (their account id; identity resolves names for staff)."""
        if self.desk or (self.person is not None and complaint.reporter_id == self.person):
            return True
        shown = complaint.identity_visibility
        if shown == _PUBLIC_IDENTITY:
            return True
        if shown == _AGENCY_IDENTITY:
            return self.opd is not None and complaint.opd_code == self.opd
        return False

    def reporter_shown(self, complaint: Seen) -> UUID | None:
        return complaint.reporter_id if self.shows_identity(complaint) else None


ANONYMOUS = Viewer(desk=False, opd=None, person=None)
Caller = Principal | Viewer | None


def sees_everything(caller: Caller) -> bool:
    return Viewer.of(caller).desk


def opd_of(caller: Caller) -> str | None:
    """The OPD whose queue the caller works, if an officer or supervisor with an agency claim."""
    return Viewer.of(caller).opd


def is_reporter(caller: Caller, complaint: Seen) -> bool:
    return Viewer.of(caller).is_reporter(complaint)


def visible_to(caller: Caller) -> ColumnElement[bool]:
    """The WHERE clause of complaints `caller` (None: anonymous) may see (`Viewer.can_see`, in SQL)."""
    viewer = Viewer.of(caller)
    if viewer.desk:
        return true()
    public = _COLUMNS.report_visibility == _PUBLIC_REPORT
    clauses: list[ColumnElement[bool]] = [public]
    if viewer.person is not None:
        clauses.append(_COLUMNS.reporter_id == viewer.person)
    if viewer.opd is not None:
        clauses.append(_COLUMNS.opd_code == viewer.opd)
    return or_(*clauses)


def only_public() -> ColumnElement[bool]:
    """Public complaints, whoever asks (published lists, counts, stats, suggested duplicates, Open311)."""
    return _COLUMNS.report_visibility == _PUBLIC_REPORT


def can_see(caller: Caller, complaint: Seen) -> bool:
    """The same rule as `visible_to`, for a complaint already loaded."""
    return Viewer.of(caller).can_see(complaint)


def is_staff_of(caller: Caller, complaint: Seen) -> bool:
    """Staff working this complaint: the desk, or an officer/supervisor of the OPD it is routed to."""
    return Viewer.of(caller).is_staff_of(complaint)


def shows_identity(caller: Caller, complaint: Seen) -> bool:
    """Whether the answer may name the reporter (their account id; identity resolves names for staff)."""
    return Viewer.of(caller).shows_identity(complaint)


def shows_internal(caller: Caller, complaint: Seen) -> bool:
    """Whether internal notes and staff-only details (assignee, routing rule id) are shown."""
    return Viewer.of(caller).is_staff_of(complaint)


def reporter_shown(caller: Caller, complaint: Seen) -> UUID | None:
    return Viewer.of(caller).reporter_shown(complaint)


__all__ = [
    "ANONYMOUS",
    "Caller",
    "Seen",
    "Viewer",
    "can_see",
    "is_reporter",
    "is_staff_of",
    "only_public",
    "opd_of",
    "reporter_shown",
    "sees_everything",
    "shows_identity",
    "shows_internal",
    "visible_to",
]

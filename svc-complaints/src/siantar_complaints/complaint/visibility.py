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

from uuid import UUID

from sqlalchemy import ColumnElement, or_, true

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.states import IdentityVisibility, ReportVisibility
from siantar_shared.auth import Principal, Role

DESK_ROLES = frozenset({Role.verifier, Role.admin})
OPD_ROLES = frozenset({Role.officer, Role.supervisor})


def sees_everything(principal: Principal | None) -> bool:
    return principal is not None and principal.has_role(*DESK_ROLES)


def opd_of(principal: Principal | None) -> str | None:
    """The OPD whose queue the caller works, if an officer or supervisor with an agency claim."""
    if principal is None or not principal.has_role(*OPD_ROLES):
        return None
    return principal.agency


def is_reporter(principal: Principal | None, complaint: Complaint) -> bool:
    return (
        principal is not None
        and complaint.reporter_id is not None
        and principal.subject == complaint.reporter_id
        and not principal.is_service
    )


def visible_to(principal: Principal | None) -> ColumnElement[bool]:
    """The WHERE clause of complaints `principal` (None: anonymous) may see."""
    if sees_everything(principal):
        return true()
    public = Complaint.report_visibility == ReportVisibility.public.value
    clauses: list[ColumnElement[bool]] = [public]
    if principal is not None and not principal.is_service:
        clauses.append(Complaint.reporter_id == principal.subject)
    opd = opd_of(principal)
    if opd is not None:
        clauses.append(Complaint.opd_code == opd)
    return or_(*clauses)


def only_public() -> ColumnElement[bool]:
    """Public complaints, whoever asks (published lists, counts, stats, suggested duplicates, Open311)."""
    return Complaint.report_visibility == ReportVisibility.public.value


def can_see(principal: Principal | None, complaint: Complaint) -> bool:
    """The same rule as `visible_to`, for a complaint already loaded."""
    if sees_everything(principal) or complaint.report_visibility == ReportVisibility.public.value:
        return True
    if is_reporter(principal, complaint):
        return True
    opd = opd_of(principal)
    return opd is not None and complaint.opd_code == opd


def is_staff_of(principal: Principal | None, complaint: Complaint) -> bool:
    """Staff working this complaint: the desk, or an officer/supervisor of the OPD it is routed to."""
    if sees_everything(principal):
        return True
    opd = opd_of(principal)
    return opd is not None and complaint.opd_code == opd


def shows_identity(principal: Principal | None, complaint: Complaint) -> bool:
    """Whether the answer may name the reporter (their account id; identity resolves names for staff)."""
    if is_reporter(principal, complaint) or sees_everything(principal):
        return True
    match complaint.identity_visibility:
        case IdentityVisibility.public.value:
            return True
        case IdentityVisibility.agency.value:
            return is_staff_of(principal, complaint)
        case _:
            return False


def shows_internal(principal: Principal | None, complaint: Complaint) -> bool:
    """Whether internal notes and staff-only details (assignee, routing rule id) are shown."""
    return is_staff_of(principal, complaint)


def reporter_shown(principal: Principal | None, complaint: Complaint) -> UUID | None:
    return complaint.reporter_id if shows_identity(principal, complaint) else None


__all__ = [
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

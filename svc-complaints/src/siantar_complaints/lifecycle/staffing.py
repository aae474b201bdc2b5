"""Who a complaint may be assigned to: an active officer (or supervisor) of the complaint's OPD, as
svc-identity's staff directory says (`IdentityServices.staff_member`, cached at most 60 seconds). Checked on
`assign` and `reassign`; anything else is a 422, and identity unreachable a 503 (nothing is assigned)."""

import logging
from typing import NoReturn
from uuid import UUID

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.identity.services import IdentityServices
from siantar_complaints.lifecycle.exceptions import InvalidAssignee
from siantar_shared.auth import Role
from siantar_shared.i18n import Text

ASSIGNABLE_ROLES = frozenset({Role.officer.value, Role.supervisor.value})
logger = logging.getLogger("siantar_complaints.lifecycle")


async def require_assignable(identity: IdentityServices, officer_id: UUID, complaint: Complaint) -> None:
    """`officer_id` may work `complaint`, or InvalidAssignee (422) saying why."""
    member = await identity.staff_member(officer_id)
    if member is None:
        _refuse(
            officer_id, complaint, "unknown", Text("Petugas tidak dikenal", "No staff member has this id")
        )
    elif not member.active:
        _refuse(
            officer_id,
            complaint,
            "inactive",
            Text("Akun petugas itu tidak aktif", "That staff member's account is not active"),
        )
    elif not member.roles & ASSIGNABLE_ROLES:
        _refuse(
            officer_id,
            complaint,
            "role",
            Text("Hanya petugas OPD yang dapat ditugaskan", "Only an agency's officer can be assigned"),
        )
    elif member.agency != complaint.opd_code:
        _refuse(
            officer_id,
            complaint,
            "agency",
            Text(
                f"Petugas itu bukan petugas {complaint.opd_code}, OPD pengaduan ini",
                f"That officer does not work at {complaint.opd_code}, this complaint's agency",
            ),
        )


def _refuse(officer_id: UUID, complaint: Complaint, why: str, detail: Text) -> NoReturn:
    """Log (ids only) and raise: the other OPD's code is never told."""
    logger.info("assignment of complaint %s to %s refused: %s", complaint.id, officer_id, why)
    raise InvalidAssignee(detail, extra={"officer_id": str(officer_id), "reason": why})

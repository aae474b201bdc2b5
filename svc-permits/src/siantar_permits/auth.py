"""Who may call what: the OPDs and roles of the permit workflow, as `Annotated` principals and predicates.

DPMPTSP staff are identified by their token's `agency` claim (the OPD code from identity's list) and a staff
role; a technical OPD's officers by the same claim naming that OPD. Citizens act on their own applications.
"""

from typing import Annotated

from siantar_shared.auth import Principal, Role, require

ISSUING_OPD = "DPMPTSP"
STAFF_ROLES = {Role.officer, Role.supervisor, Role.verifier, Role.inspector, Role.admin}

Admin = Annotated[Principal, require(roles={Role.admin})]
Staff = Annotated[Principal, require(roles=STAFF_ROLES)]
Applicant = Annotated[Principal, require(roles={Role.citizen}, acr=1)]
Integration = Annotated[Principal, require(roles={Role.service})]


def is_licensing_staff(principal: Principal) -> bool:
    """An officer, supervisor, verifier or admin of DPMPTSP (admins of any OPD count: they run the system)."""
    if principal.has_role(Role.admin):
        return True
    return principal.agency == ISSUING_OPD and principal.has_role(
        Role.officer, Role.supervisor, Role.verifier, Role.inspector
    )


def is_technical_staff(principal: Principal, opd: str | None) -> bool:
    """Staff of the technical OPD `opd` (not DPMPTSP acting for it)."""
    return opd is not None and principal.agency == opd and principal.has_role(*STAFF_ROLES)

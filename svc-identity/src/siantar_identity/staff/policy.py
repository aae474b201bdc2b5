"""Who may hold which roles where, and who may manage whom.

- officer, supervisor and inspector belong to exactly one OPD; a verifier works at the complaints desk
  (DISKOMINFO); admin and dpo may name an OPD or none.
- an admin manages every staff account; a supervisor manages only the officers of their own OPD: they
  invite officers there, disable and enable them, and see them. Any other target, or any role above
  officer, is refused (403).
"""

import logging
from collections.abc import Collection

from siantar_identity.staff.actor import Actor
from siantar_identity.staff.exceptions import InvalidAssignment, NotYourStaff
from siantar_identity.staff.schemas import StaffRole
from siantar_shared.auth import Role
from siantar_shared.i18n import Text

logger = logging.getLogger("siantar_identity.staff")
COMPLAINTS_DESK = "DISKOMINFO"
AGENCY_BOUND = frozenset({StaffRole.officer, StaffRole.supervisor, StaffRole.inspector})


def assignment(roles: Collection[str], agency: str | None) -> str | None:
    """The agency these roles go with (DISKOMINFO for a verifier), or InvalidAssignment (422)."""
    if StaffRole.verifier in roles:
        if agency not in (None, COMPLAINTS_DESK):
            raise InvalidAssignment(
                Text(
                    f"Verifikator bekerja di meja pengaduan ({COMPLAINTS_DESK}), bukan di {agency}",
                    f"A verifier works at the complaints desk ({COMPLAINTS_DESK}), not at {agency}",
                )
            )
        agency = COMPLAINTS_DESK
    bound = sorted(AGENCY_BOUND.intersection(roles))
    if bound and agency is None:
        names = ", ".join(bound)
        raise InvalidAssignment(
            Text(f"Peran {names} harus terikat pada tepat satu OPD", f"Role {names} needs exactly one agency")
        )
    return agency


_ONLY_OFFICERS = Text(
    "Kepala OPD hanya dapat mengelola petugas (officer) di OPD-nya sendiri",
    "A supervisor manages only the officers of their own agency",
)
_ADMIN_ONLY = Text("Hanya admin yang dapat melakukannya", "Only an admin may do this")


def check_may_manage(actor: Actor, *, roles: Collection[str], agency: str | None) -> None:
    """An admin may manage anyone; a supervisor only pure officers of their own OPD (else 403)."""
    if actor.is_admin:
        return
    if Role.supervisor not in actor.roles or actor.agency is None:
        _refused(actor, agency)
        raise NotYourStaff(_ADMIN_ONLY)
    if agency != actor.agency or not roles or set(roles) != {StaffRole.officer}:
        _refused(actor, agency)
        raise NotYourStaff(_ONLY_OFFICERS)


def check_may_see_agency(actor: Actor, agency: str) -> None:
    if actor.is_admin:
        return
    if Role.supervisor not in actor.roles or actor.agency != agency:
        _refused(actor, agency)
        raise NotYourStaff(_ONLY_OFFICERS)


def _refused(actor: Actor, agency: str | None) -> None:
    """A failed authorisation is logged (ASVS 16.3.2): ids and codes only, never personal data."""
    logger.warning(
        "staff management refused: actor %s (agency %s) on agency %s", actor.id, actor.agency, agency
    )

"""Who may use the assurance endpoints: a citizen for their own NIK, an administrator or the DPO for reviews."""

from typing import Annotated

from fastapi import Depends

from siantar_identity.account.dependencies import Me, MeDep
from siantar_identity.account.models import AccountKind
from siantar_identity.assurance.exceptions import NotACitizen
from siantar_identity.staff.actor import Actor, staff_actor
from siantar_shared.auth import Role


def get_citizen(me: MeDep) -> Me:
    """The signed-in person, if a citizen: a NIK and its levels of assurance are the citizen's own."""
    if me.account.kind != AccountKind.citizen or Role.citizen not in me.principal.roles:
        raise NotACitizen()
    return me


CitizenDep = Annotated[Me, Depends(get_citizen)]
# an active staff account holding admin or dpo, in the token and on the account
ReviewerDep = Annotated[Actor, staff_actor({Role.admin, Role.dpo})]

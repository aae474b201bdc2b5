"""Who may call what, as `Annotated` principals for endpoint signatures (no principal: public)."""

from typing import Annotated

from siantar_shared.auth import Principal, Role, require

STAFF_ROLES = {Role.officer, Role.supervisor, Role.verifier, Role.admin}

Admin = Annotated[Principal, require(roles={Role.admin})]
Staff = Annotated[Principal, require(roles=STAFF_ROLES)]

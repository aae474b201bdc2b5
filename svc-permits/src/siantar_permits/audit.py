"""Who did something: a signed-in account (with the app, roles and OPD it acted as), or the system (jobs, seed).

History rows keep the actor's account id, client id, role and OPD code, never personal data.
"""

from dataclasses import dataclass
from typing import Self
from uuid import UUID

from siantar_shared.auth import Principal


@dataclass(frozen=True, slots=True)
class Actor:
    id: UUID | None
    client_id: str | None
    roles: tuple[str, ...] = ()
    agency: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Self:
        return cls(
            id=principal.subject,
            client_id=principal.client_id,
            roles=tuple(sorted(role.value for role in principal.roles)),
            agency=principal.agency,
        )

    @classmethod
    def system(cls, name: str = "system") -> Self:
        return cls(id=None, client_id=name)

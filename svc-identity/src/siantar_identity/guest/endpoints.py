"""Guest reporters, registered by the services that take reports without an account."""

from typing import Annotated

from fastapi import APIRouter, Request, Response

from siantar_identity.audit.service import record
from siantar_identity.guest import service as guest_service
from siantar_identity.guest.schemas import GuestCreate, GuestCreated
from siantar_identity.security.context import CryptoDep
from siantar_shared.auth import Principal, Role, require
from siantar_shared.db import SessionDep

router = APIRouter(tags=["guests"])
GuestWriter = Annotated[Principal, require(roles={Role.service}, scopes={"guests:write"})]


@router.post(
    "/guests",
    status_code=201,
    response_model=GuestCreated,
    summary="Register a guest reporter",
    responses={
        200: {"description": "A guest with this phone or e-mail already exists: its subject id"},
        403: {"description": "Not a service token, or no `guests:write` scope"},
    },
)
async def register_guest(
    body: GuestCreate,
    principal: GuestWriter,
    request: Request,
    response: Response,
    session: SessionDep,
    crypto: CryptoDep,
) -> GuestCreated:
    """A subject id for a person reporting at a counter, by SMS or through an Open311 app (service tokens
    with scope `guests:write`).

    Give a name and a phone number and/or an e-mail address, none of them verified. Idempotent: if a guest
    already has this phone (or else this e-mail), its subject id comes back (200) and the guest is not
    changed; otherwise a new guest is made (201). A guest is **never** linked to a citizen account, even one
    with the same phone or e-mail: the contact is not verified, and linking would let anyone report in a
    citizen's name. Contacts are stored encrypted; services then notify the guest by subject id.
    """
    guest, created = await guest_service.register(session, crypto, body)
    if not created:
        response.status_code = 200
    await record(
        session,
        "guest.registered" if created else "guest.matched",
        request=request,
        actor=principal,
        subject_id=guest.id,
    )
    return GuestCreated(subject_id=guest.id)

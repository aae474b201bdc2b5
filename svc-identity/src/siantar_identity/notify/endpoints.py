"""Platform notifications: other services tell a person something without ever holding their address."""

from typing import Annotated

from fastapi import APIRouter, Request

from siantar_identity.audit.service import record
from siantar_identity.clock import ClockDep
from siantar_identity.notify import service as notify_service
from siantar_identity.notify.dependencies import NotifiersDep, NotifyPolicyDep
from siantar_identity.notify.schemas import NotificationAccepted, NotificationCreate, TemplateInfo
from siantar_identity.notify.templates import SERVICE_TEMPLATES
from siantar_identity.security.context import CryptoDep
from siantar_shared.auth import Principal, Role, ServicePrincipal, require
from siantar_shared.db import SessionDep

router = APIRouter(tags=["notifications"])
NotifySender = Annotated[Principal, require(roles={Role.service}, scopes={"notify:send"})]


@router.post(
    "/notifications",
    status_code=202,
    response_model=NotificationAccepted,
    summary="Notify a person",
    responses={
        403: {"description": "Not a service token, or no `notify:send` scope"},
        404: {"description": "No such subject"},
        422: {"description": "Unknown template, or parameters that do not fit it"},
        429: {"description": "Too many notifications for this person this hour (see `Retry-After`)"},
    },
)
async def create_notification(
    body: NotificationCreate,
    principal: NotifySender,
    request: Request,
    session: SessionDep,
    crypto: CryptoDep,
    clock: ClockDep,
    notifiers: NotifiersDep,
    policy: NotifyPolicyDep,
) -> NotificationAccepted:
    """Send a message from a template to the person `subject_id` (service tokens with scope `notify:send`).

    Identity renders the template in the person's language, formats dates and rupiah amounts for it, and
    sends it on their best channel: WhatsApp if they consented to it, else SMS to their verified phone, else
    their verified e-mail (a guest reporter's contacts need no verification). `channel` is a preference,
    used only if the person can be reached on it. Nothing is sent to an erased person, nor to one who
    restricted processing: the answer then says `no_channel` and why. Each person receives at most a
    configured number of messages an hour from the services (429 beyond it). The log and the database keep
    what was sent when and how, never the text or the address.
    """
    body.check_params()
    entry = await notify_service.notify_subject(
        session,
        notifiers,
        crypto,
        policy,
        subject_id=body.subject_id,
        template=body.template,
        params=body.params,
        channel=body.requested_channel,
        requested_by=principal.client_id,
        at=clock.now(),
    )
    await record(
        session,
        "notification.requested",
        request=request,
        actor=principal,
        subject_id=body.subject_id,
        outcome="success" if entry.status == "sent" else entry.status,
        template=body.template,
        channel=entry.channel,
    )
    return NotificationAccepted.of(entry)


@router.get("/notification-templates", response_model=list[TemplateInfo], summary="Notification templates")
async def list_templates(principal: ServicePrincipal) -> list[TemplateInfo]:
    """The templates services may send, in both languages, with their parameters: name, kind (text, date
    as YYYY-MM-DD, money as whole rupiah, choice with its allowed codes, url as an https link) and limits.
    Service tokens only."""
    return [TemplateInfo.of(name, template) for name, template in sorted(SERVICE_TEMPLATES.items())]

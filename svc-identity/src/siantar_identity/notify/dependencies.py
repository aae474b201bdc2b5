"""What notification endpoints take from the request state: the notifiers and the sending policy."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from siantar_identity.notify.notifiers import Channel, Notifier


@dataclass(frozen=True)
class NotifyPolicy:
    """Limits on what services may send: at most `max_per_hour` messages to one person in any hour, so a
    misbehaving service cannot flood someone's phone. Identity's own messages (codes) are not counted."""

    max_per_hour: int = 10


def get_notifiers(request: Request) -> dict[Channel, Notifier]:
    notifiers: dict[Channel, Notifier] = request.state.notifiers
    return notifiers


def get_notify_policy(request: Request) -> NotifyPolicy:
    policy: NotifyPolicy = request.state.notify_policy
    return policy


NotifiersDep = Annotated[dict[Channel, Notifier], Depends(get_notifiers)]
NotifyPolicyDep = Annotated[NotifyPolicy, Depends(get_notify_policy)]

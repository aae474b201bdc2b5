"""Notifiers: how a rendered message reaches a person, one per channel.

SMS, WhatsApp and push are interfaces (`Notifier`) with a development adapter only, until the city picks a
provider; e-mail has a real SMTP adapter. The development adapter writes each message to
`var/outbox/<channel>/` (for people testing the platform by hand) and logs that it did, without the
address or the content. Production refuses development adapters (see `Settings.DEV_ONLY_VALUES`).
"""

import json
import logging
import smtplib
import ssl
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from siantar_identity.config import Settings
from siantar_shared.threads import run_cpu_bound

logger = logging.getLogger("siantar_identity.notify")


class Channel(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"
    email = "email"
    push = "push"


@dataclass(frozen=True)
class Message:
    channel: Channel
    to: str  # E.164 phone, e-mail address or push token
    subject: str
    body: str


class DeliveryError(Exception):
    """The channel refused or failed the message; the caller records it, without the content."""


class Notifier(Protocol):
    async def send(self, message: Message) -> None: ...


class DevelopmentNotifier:
    """Writes messages to `var/outbox/<channel>/<time>-<id>.json`; sends nothing anywhere."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: Message) -> None:
        target = self.folder / message.channel
        target.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.json"
        (target / name).write_text(
            json.dumps(asdict(message), ensure_ascii=False, indent=2), encoding="utf-8"
        )
        logger.info("development notifier wrote a %s message to the outbox", message.channel.value)


class SmtpNotifier:
    """E-mail through an SMTP server (STARTTLS by default); the blocking client runs off the event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.settings.SMTP_FROM, message.to, message.subject
        email.set_content(message.body)
        try:
            await run_cpu_bound(self._deliver, email)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(type(exc).__name__) from exc

    def _deliver(self, email: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.SMTP_HOST, s.SMTP_PORT, timeout=15) as client:
            if s.SMTP_STARTTLS:
                client.starttls(context=ssl.create_default_context())
            if s.SMTP_USERNAME and s.SMTP_PASSWORD is not None:
                client.login(s.SMTP_USERNAME, s.SMTP_PASSWORD.get_secret_value())
            client.send_message(email)


def build_notifiers(settings: Settings) -> dict[Channel, Notifier]:
    """One notifier per configured channel. "none" switches a channel off (production may do that, e.g.
    for WhatsApp or push before the city has a provider); "development" writes to the outbox folder."""
    outbox = DevelopmentNotifier(settings.VAR_DIR / "outbox")
    chosen = {
        Channel.sms: settings.SMS_NOTIFIER,
        Channel.whatsapp: settings.WHATSAPP_NOTIFIER,
        Channel.push: settings.PUSH_NOTIFIER,
        Channel.email: settings.EMAIL_NOTIFIER,
    }
    notifiers: dict[Channel, Notifier] = {}
    for channel, name in chosen.items():
        if name == "none":  # switched off on purpose (no contract for it yet): the channel is never chosen
            continue
        if name == "development":
            notifiers[channel] = outbox
        elif channel is Channel.email and name == "smtp":
            notifiers[channel] = SmtpNotifier(settings)
        else:
            raise ValueError(f"no {channel.value} notifier named {name!r}")
    return notifiers

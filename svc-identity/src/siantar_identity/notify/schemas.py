"""Requests and answers of platform notifications."""

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
)

from siantar_identity.notify.models import Notification
from siantar_identity.notify.notifiers import Channel
from siantar_identity.notify.templates import SERVICE_TEMPLATES, ParameterError, Template, format_params
from siantar_shared.i18n import LocalizedValueError, Text

_UNKNOWN_TEMPLATE = Text(
    "Templat tidak dikenal; lihat GET /identity/v1/notification-templates",
    "Unknown template; see GET /identity/v1/notification-templates",
)


def _service_template(name: str) -> str:
    if name not in SERVICE_TEMPLATES:
        raise LocalizedValueError(_UNKNOWN_TEMPLATE)
    return name


ServiceTemplateName = Annotated[
    str,
    AfterValidator(_service_template),
    WithJsonSchema({"type": "string", "enum": sorted(SERVICE_TEMPLATES), "examples": ["fee_assessed"]}),
]
ParamName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class RequestedChannel(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"
    email = "email"


class NotificationCreate(BaseModel):
    """A message for one person, named by subject id; identity finds the address and the language."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject_id": "3f2c8a4e-1b7d-4c59-9e0a-5d6f7a8b9c01",
                    "template": "fee_assessed",
                    "params": {
                        "application_number": "PBG-2026-000123",
                        "skrd_number": "SKRD/2026/000045",
                        "amount": 1250000,
                        "due_date": "2026-12-20",
                    },
                }
            ]
        },
    )

    subject_id: UUID
    template: ServiceTemplateName
    params: dict[ParamName, StrictStr | StrictInt | StrictFloat | StrictBool] = Field(default_factory=dict)
    channel: RequestedChannel | None = Field(
        default=None,
        description="Preferred channel; used if the person can be reached on it, else their best channel",
    )

    def check_params(self) -> None:
        """422 (as any validation error, one entry per parameter) unless the parameters fit the template."""
        try:
            format_params(self.template, "id", self.params)
        except ParameterError as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "value_error",
                        "loc": ("body", "params", *([name] if name else [])),
                        "msg": reason.en,
                        "input": self.params.get(name),
                        "ctx": {"error": LocalizedValueError(reason)},
                    }
                    for name, reason in sorted(exc.problems.items())
                ]
            ) from None

    @property
    def requested_channel(self) -> Channel | None:
        return None if self.channel is None else Channel(self.channel.value)


class NotificationAccepted(BaseModel):
    """What happened: `sent`, `failed` (the channel refused it) or `no_channel` (nothing was sent)."""

    id: UUID
    status: Literal["sent", "failed", "no_channel"]
    channel: str | None = Field(description="The channel used; null when nothing was sent")
    reason: str | None = Field(
        description="Why nothing was sent: erased, restricted or no_contact; or the failure"
    )

    @classmethod
    def of(cls, entry: Notification) -> "NotificationAccepted":
        status: Literal["sent", "failed", "no_channel"] = (
            "sent" if entry.status == "sent" else "failed" if entry.status == "failed" else "no_channel"
        )
        channel = None if status == "no_channel" else entry.channel
        return cls(id=entry.id, status=status, channel=channel, reason=entry.error)


class Localized(BaseModel):
    id: str
    en: str

    @classmethod
    def of(cls, text: Text) -> "Localized":
        return cls(id=text.id, en=text.en)


class TemplateParameter(BaseModel):
    name: str
    kind: str = Field(description="text, date (YYYY-MM-DD), money (whole rupiah), choice or url (https)")
    max_length: int | None = None
    choices: list[str] | None = None


class TemplateInfo(BaseModel):
    name: str
    subject: Localized
    body: Localized
    parameters: list[TemplateParameter]

    @classmethod
    def of(cls, name: str, template: Template) -> "TemplateInfo":
        parameters = []
        for param_name in sorted(template.parameters):
            param = template.param(param_name)
            parameters.append(
                TemplateParameter(
                    name=param_name,
                    kind=param.kind.value,
                    max_length=param.max_length if param.kind in ("text", "url") else None,
                    choices=list(param.choices) or None,
                )
            )
        return cls(
            name=name,
            subject=Localized.of(template.subject),
            body=Localized.of(template.body),
            parameters=parameters,
        )

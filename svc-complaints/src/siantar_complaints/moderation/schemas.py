"""Bodies and answers of moderation."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_complaints.complaint.states import IdentityVisibility, ReportVisibility
from siantar_shared.i18n import LocalizedValueError, Text

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]


class FlagReason(StrEnum):
    abuse = "abuse"  # insults, threats, hate
    personal_data = "personal_data"  # a name, phone number, NIK, address of a person
    spam = "spam"
    other = "other"


class FlagStatus(StrEnum):
    open = "open"
    actioned = "actioned"
    dismissed = "dismissed"


class ActionKind(StrEnum):
    redact_text = "redact_text"
    hide_photo = "hide_photo"
    show_photo = "show_photo"
    hide_update = "hide_update"
    show_update = "show_update"
    privacy = "privacy"


class FlagCreate(BaseModel):
    reason: FlagReason
    note: str = Field(default="", max_length=1000, description="What is wrong (plain text)")
    photo_id: UUID | None = Field(
        default=None, description="A photo of the complaint, if that is the problem"
    )
    update_id: UUID | None = Field(default=None, description="A timeline entry, if that is the problem")

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.photo_id is not None and self.update_id is not None:
            raise LocalizedValueError(
                Text("Pilih foto atau entri, bukan keduanya", "Flag a photo or an entry")
            )
        return self


class Flag(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    complaint_id: UUID
    photo_id: UUID | None
    update_id: UUID | None
    reason: FlagReason
    note: str
    status: FlagStatus
    created_at: datetime
    resolved_at: datetime | None
    resolution_note: str | None


class FlagPage(BaseModel):
    items: list[Flag]
    next_cursor: str | None = None


class FlagResolve(BaseModel):
    status: FlagStatus = Field(description="`actioned` or `dismissed`")
    note: Reason

    @model_validator(mode="after")
    def _closed(self) -> Self:
        if self.status == FlagStatus.open:
            raise LocalizedValueError(
                Text("Status harus actioned atau dismissed", "Use actioned or dismissed")
            )
        return self


class Redaction(BaseModel):
    """New text replacing what must not be public; the original is kept, encrypted, for the audit."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, min_length=1, max_length=4000)
    reason: Reason
    flag_id: UUID | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.title is None and self.description is None:
            raise LocalizedValueError(
                Text("Isi judul dan/atau uraian baru", "Give a new title and/or description")
            )
        return self


class Visibility(BaseModel):
    """Hide (`hidden: true`) or show again a photo or a timeline entry."""

    hidden: bool
    reason: Reason
    flag_id: UUID | None = None


class PrivacyChange(BaseModel):
    identity_visibility: IdentityVisibility | None = None
    report_visibility: ReportVisibility | None = None
    reason: Reason

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.identity_visibility is None and self.report_visibility is None:
            raise LocalizedValueError(Text("Tidak ada yang diubah", "Nothing to change"))
        return self


class Action(BaseModel):
    """A moderation action as recorded (the original is never sent: it stays encrypted)."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    complaint_id: UUID
    action: ActionKind
    target_id: UUID | None
    fields: list[str]
    reason: str
    actor_id: UUID
    flag_id: UUID | None
    after: dict[str, object]
    created_at: datetime


class ActionList(BaseModel):
    items: list[Action]

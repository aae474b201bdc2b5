"""Request and response bodies of the lifecycle: transitions, the timeline, following and rating."""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from siantar_complaints.complaint.states import UpdateKind, UpdateVisibility
from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import OpdCode

_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 4000
MAX_PHOTOS_PER_UPDATE = 5


def _plain_text(value: str) -> str:
    """Plain text only: no HTML or XML markup, no control characters; surrounding space removed."""
    if _MARKUP.search(value):
        raise LocalizedValueError(
            Text("Teks tidak boleh berisi HTML atau markup", "Text must not contain HTML or other markup")
        )
    if _CONTROL.search(value):
        raise LocalizedValueError(Text("Teks berisi karakter kendali", "Text contains control characters"))
    return value.strip()


def _not_blank(value: str) -> str:
    if not value:
        raise LocalizedValueError(Text("Teks wajib diisi", "Text is required"))
    return value


PlainText = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_plain_text)]
RequiredText = Annotated[PlainText, AfterValidator(_not_blank)]
Note = Annotated[PlainText, Field(description="Why, for the timeline (plain text)")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoteBody(Body):
    """An optional note for the timeline."""

    note: Note = ""


class ReasonBody(Body):
    """Why (required): shown to the reporter."""

    reason: RequiredText = Field(examples=["Bukan pengaduan pelayanan publik"])


class DuplicateBody(Body):
    of: UUID = Field(description="The original complaint (it must exist, be visible and not be a duplicate)")
    note: Note = ""


class DispositionBody(Body):
    opd_code: OpdCode = Field(description="The responsible OPD (active in identity's agency list)")
    note: Note = ""


class AssignBody(Body):
    officer_id: UUID = Field(description="Identity account id of an officer of the complaint's OPD")
    note: Note = ""


class QuestionBody(Body):
    question: Annotated[RequiredText, Field(max_length=300)] = Field(
        description="What the officer needs from the reporter (sent to them; at most 300 characters)",
        examples=["Mohon kirim foto lokasi lampu yang mati."],
    )


class ResolveBody(Body):
    """The follow-up posted publicly: its text, or a response template of the category (text wins)."""

    public_update: PlainText = ""
    template_code: str | None = Field(default=None, max_length=64, examples=["dijadwalkan"])
    photo_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PHOTOS_PER_UPDATE)


class RedirectBody(Body):
    to: RequiredText = Field(
        max_length=200, description="Where the complaint belongs", examples=["BPJS Kesehatan"]
    )
    note: Note = ""


class ReopenBody(Body):
    reason: RequiredText = Field(description="Why the reporter is not satisfied")


class UpdateCreate(Body):
    """A timeline entry: a public update (officers of the OPD), an internal note (staff of the complaint) or a
    reply (the reporter; a reply while waiting for the citizen resumes the SLA clock)."""

    kind: UpdateKind = Field(description="public_update, internal_note or citizen_reply")
    text: PlainText = ""
    template_code: str | None = Field(
        default=None, max_length=64, description="A response template of the category"
    )
    photo_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PHOTOS_PER_UPDATE)


class UpdateRead(BaseModel):
    """One timeline entry as the caller may see it (the reporter's account id only where identity shows)."""

    id: UUID
    kind: str
    visibility: UpdateVisibility
    from_status: str | None
    to_status: str | None
    note: str
    actor_id: UUID | None
    actor_role: str
    actor_opd: str | None
    data: dict[str, object]
    photo_ids: list[UUID]
    hidden: bool
    created_at: datetime


class FollowState(BaseModel):
    following: bool
    follower_count: int


class RatingReason(StrEnum):
    """Fixed reasons (so they can be counted); `comment` says the rest."""

    fast = "fast"
    slow = "slow"
    solved = "solved"
    not_solved = "not_solved"
    polite = "polite"
    impolite = "impolite"
    clear_information = "clear_information"
    unclear_information = "unclear_information"


class RatingCreate(Body):
    score: int = Field(ge=1, le=5)
    reasons: list[RatingReason] = Field(default_factory=list, max_length=len(RatingReason))
    comment: PlainText = Field(default="", max_length=1000)
    reopen: bool = Field(
        default=False,
        description="Reopen the complaint (only with a low score, within the reopen window after resolution)",
    )


class RatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    complaint_id: UUID
    score: int
    reasons: list[str]
    comment: str
    reopened: bool
    created_at: datetime

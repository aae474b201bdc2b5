"""Shapes of the application API."""

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from siantar_permits.permit_type.schemas import TypeCode

Note = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationCreate(Strict):
    type: TypeCode = Field(examples=["izin-reklame"])
    applicant_name: Name = Field(examples=["CV Maju Bersama"])
    form: dict[str, Any] = Field(default_factory=dict, examples=[{"isi_reklame": "Toko Maju", "luas_m2": 8}])


class ApplicationUpdate(Strict):
    applicant_name: Name | None = None
    form: dict[str, Any] | None = Field(default=None, description="Replaces the form whole")


class ActionNote(Strict):
    note: Note | None = None


class Completeness(Strict):
    complete: bool
    missing: list[str] = Field(default_factory=list, description="Requirement codes missing or unreadable")
    note: Note | None = None


class Verification(Strict):
    decision: Literal["accept", "return"]
    note: Note | None = None


class Recommendation(Strict):
    decision: Literal["recommend", "not_recommend"]
    letter_number: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    note: Note | None = None


class InspectionSchedule(Strict):
    inspector_id: UUID
    scheduled_for: datetime
    note: Note | None = None


class InspectionResult(Strict):
    result: Literal["passed", "failed"]
    notes: Note
    photo_document_ids: list[UUID] = Field(default_factory=list, max_length=20)


class FeeAssessmentCreate(Strict):
    note: Note | None = None


class Approval(Strict):
    decision: Literal["approve", "send_back"]
    note: Note | None = None


class Rejection(Strict):
    reasons: list[Note] = Field(min_length=1, max_length=20)
    note: Note | None = None


class Revocation(Strict):
    reason: Note


class SlaView(BaseModel):
    stage: str | None
    started_at: datetime | None
    due_at: datetime | None
    flag: str | None
    paused: bool


class FeeView(BaseModel):
    kind: str
    skrd_number: str
    billing_code: str
    amount: int
    due_date: date
    paid_at: datetime | None


class PermitSummary(BaseModel):
    number: str
    issued_at: datetime
    valid_from: date
    valid_until: date | None
    status: str
    pdf_sha256: str


class Application(BaseModel):
    id: UUID
    reference: str
    type: str
    type_version: int
    state: str
    oss_status: str | None = Field(description="OSS-RBA kd_status of the state (Lampiran 10)")
    blds_status: str | None = Field(description="BLDS StatusCurrentMapped of the state")
    applicant_id: UUID | None
    applicant_name: str
    form: dict[str, Any]
    technical_opd: str | None
    approval_level: int
    approval_role: str | None = Field(description="The role whose approval is awaited")
    rejection_reasons: list[str] | None
    deemed_approved: bool
    sla: SlaView
    fee: FeeView | None = None
    permit: PermitSummary | None = None
    external_system: str | None = None
    external_reference: str | None = None
    external_status: str | None = None
    renewal_of: UUID | None = None
    submitted_at: datetime | None
    created_at: datetime
    version: int


class ApplicationList(BaseModel):
    items: list[Application]
    next_cursor: str | None = None


class HistoryEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_state: str | None
    to_state: str
    oss_status: str | None
    actor_id: UUID | None
    actor_client_id: str | None
    actor_roles: list[str]
    actor_agency: str | None
    note: str | None
    data: dict[str, Any]
    created_at: datetime


class History(BaseModel):
    items: list[HistoryEntry]


class Task(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    application_id: UUID
    opd_code: str
    kind: str
    status: str
    inspector_id: UUID | None
    scheduled_for: datetime | None
    result: str | None
    notes: str | None
    created_at: datetime


class TaskList(BaseModel):
    items: list[Task]


class StatusMapping(BaseModel):
    state: str
    oss_kd_status: str | None
    blds_status_current_mapped: str | None


class StatusMappings(BaseModel):
    states: list[StatusMapping]
    transitions: dict[str, str]


class DocumentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    requirement_code: str
    version: int
    content_type: str = Field(description="As sniffed from the content")
    size: int
    sha256: str
    created_at: datetime


class DocumentList(BaseModel):
    items: list[DocumentOut]

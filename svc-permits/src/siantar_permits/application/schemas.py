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
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"form": {"isi_reklame": "Toko Maju Jaya", "luas_m2": 8}}]},
    )

    applicant_name: Name | None = None
    form: dict[str, Any] | None = Field(default=None, description="Replaces the form whole")


class ActionNote(Strict):
    note: Note | None = None


class Completeness(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"complete": False, "missing": ["str"], "note": "STR tidak terbaca, unggah ulang"}]
        },
    )

    complete: bool
    missing: list[str] = Field(default_factory=list, description="Requirement codes missing or unreadable")
    note: Note | None = None


class Verification(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "accept", "note": "Data sesuai dokumen"}]},
    )

    decision: Literal["accept", "return"]
    note: Note | None = None


class Recommendation(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"decision": "recommend", "letter_number": "600/123/PUTR/2026", "note": "Sesuai tata ruang"}
            ]
        },
    )

    decision: Literal["recommend", "not_recommend"]
    letter_number: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    note: Note | None = None


class InspectionSchedule(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "inspector_id": "6f1c2d1e-6f0a-4d8e-9a55-3a0c6c1d2e11",
                    "scheduled_for": "2026-12-02T09:00:00+07:00",
                }
            ]
        },
    )

    inspector_id: UUID
    scheduled_for: datetime
    note: Note | None = None


class InspectionResult(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"result": "passed", "notes": "Konstruksi sesuai gambar", "photo_document_ids": []}]
        },
    )

    result: Literal["passed", "failed"]
    notes: Note
    photo_document_ids: list[UUID] = Field(default_factory=list, max_length=20)


class FeeAssessmentCreate(Strict):
    note: Note | None = None


class Approval(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"decision": "approve", "note": "Disetujui Kasi Perizinan"}]},
    )

    decision: Literal["approve", "send_back"]
    note: Note | None = None


class Rejection(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reasons": ["Lokasi di jalur hijau"], "note": "Sesuai rekomendasi PUTR"}]
        },
    )

    reasons: list[Note] = Field(min_length=1, max_length=20)
    note: Note | None = None


class Revocation(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Reklame dibongkar atas perintah Satpol PP"}]},
    )

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

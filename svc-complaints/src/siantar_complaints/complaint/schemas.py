"""Request and response bodies of complaints."""

from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from siantar_complaints.category.schemas import CategoryCode
from siantar_complaints.complaint.states import Channel, IdentityVisibility, ReportVisibility
from siantar_complaints.complaint.text import AddressText, Description, Title
from siantar_shared.i18n import LocalizedValueError, Text
from siantar_shared.schemas.types import KelurahanCode, PhoneNumber, SiantarPoint

AnswerValue = str | int | float | list[str]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]

_NO_PLACE = Text(
    "Beri lokasi: titik di peta dan/atau alamat", "Give a location: a point on the map and/or an address"
)


class GuestReporter(BaseModel):
    """A person reporting without an account (at a counter, by SMS, through an app of a partner): registered
    as a guest in identity, which keeps the name and contacts; this service keeps only the subject id."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName
    phone: PhoneNumber | None = None
    email: Email | None = None
    language: str | None = Field(default=None, pattern="^(id|en)$")


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Lampu jalan mati di Jl. Sutomo",
                    "description": "Lampu jalan di depan Gereja HKBP Jl. Sutomo mati sejak tiga hari.",
                    "category": "lampu-jalan",
                    "answers": {},
                    "location": {"lat": 2.9595, "long": 99.0687},
                    "kelurahan": "12.72.05.1002",
                    "address": "Jl. Sutomo No. 12",
                    "identity_visibility": "public",
                    "report_visibility": "public",
                    "channel": "app",
                }
            ]
        },
    )

    title: Title
    description: Description
    category: CategoryCode
    answers: dict[str, AnswerValue] = Field(
        default_factory=dict, description="Answers to the category's extra questions, by attribute code"
    )
    location: SiantarPoint | None = Field(default=None, description="A point inside Kota Pematangsiantar")
    kelurahan: KelurahanCode | None = Field(default=None, description="The kelurahan the reporter picks")
    address: AddressText | None = None
    identity_visibility: IdentityVisibility = Field(
        default=IdentityVisibility.public,
        description="public: everyone may see who reported; agency: city staff only; hidden: nobody but the "
        "verifier desk (anonim)",
    )
    report_visibility: ReportVisibility = Field(
        default=ReportVisibility.public, description="restricted: the report is not public (rahasia)"
    )
    channel: Channel = Channel.web
    reporter: GuestReporter | None = Field(
        default=None,
        description="Officers at a counter and API clients: the person reporting (registered as a guest in "
        "identity). Citizens report as themselves and leave it out.",
    )
    reporter_id: UUID | None = Field(
        default=None, description="Officers and API clients: an existing identity account of the person"
    )

    @model_validator(mode="after")
    def _placed(self) -> Self:
        if self.location is None and self.address is None:
            raise LocalizedValueError(_NO_PLACE)
        if self.reporter is not None and self.reporter_id is not None:
            raise LocalizedValueError(
                Text(
                    "Isi reporter atau reporter_id, bukan keduanya", "Give reporter or reporter_id, not both"
                )
            )
        return self


class Bilingual(BaseModel):
    id: str
    en: str


class Place(BaseModel):
    code: str
    name: str


class Location(BaseModel):
    lat: float
    long: float


class Routing(BaseModel):
    opd_code: str
    basis: str = Field(description="category_default | category_rule | kecamatan_override")
    reason: Bilingual
    rule_id: UUID | None = Field(default=None, description="Staff only")


class SlaView(BaseModel):
    stage: str | None = Field(description="verify | follow_up | close; null when no clock runs")
    due_at: datetime | None
    paused: bool
    breached: bool
    at_risk: bool
    remaining_working_days: int | None


class PhotoRead(BaseModel):
    id: UUID
    url: str
    thumbnail_url: str
    content_type: str
    width: int
    height: int
    update_id: UUID | None = None
    created_at: datetime


class CategoryRef(BaseModel):
    code: str
    name: Bilingual


class DuplicateSuggestion(BaseModel):
    id: UUID
    tracking_number: str
    title: str
    status: str
    distance_m: float
    created_at: datetime
    follower_count: int


class ComplaintRead(BaseModel):
    """A complaint as the caller may see it: the reporter only when their identity is visible to the caller,
    staff-only fields (assignee, routing rule) only for staff of the complaint."""

    id: UUID
    tracking_number: str
    title: str
    description: str
    category: CategoryRef
    type: str
    answers: dict[str, Any]
    status: str
    status_reason: str | None
    duplicate_of: UUID | None
    redirected_to: str | None
    routing: Routing
    location: Location | None
    kelurahan: Place | None
    kecamatan: Place | None
    address: str | None
    identity_visibility: str
    report_visibility: str
    channel: str
    reporter_id: UUID | None = Field(
        description="null when the reporter's identity is hidden from the caller"
    )
    assigned_officer_id: UUID | None = Field(default=None, description="Staff only")
    sla: SlaView
    follower_count: int
    photo_count: int
    rating: int | None
    photos: list[PhotoRead]
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None
    dispositioned_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    version: int


class ComplaintCreated(ComplaintRead):
    suggested_duplicates: list[DuplicateSuggestion] = Field(
        description="Open public complaints of the same category within 100 m in the last 30 days: follow one "
        "of them instead of waiting on two"
    )

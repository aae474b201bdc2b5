"""Answers of the list, map and statistics endpoints, and the filters they take."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from siantar_complaints.complaint.schemas import CategoryRef, Location, PhotoRead, Place


class SlaSummary(BaseModel):
    """The SLA clock as stored on the complaint (`GET /complaints/{id}` recounts it in working days)."""

    stage: str | None = Field(description="verify | follow_up | close; null when no clock runs")
    due_at: datetime | None = Field(description="For a paused clock: its due time when it was paused")
    paused: bool
    breached: bool = Field(description="A running clock past due (as the queue's `sla=breached`)")
    at_risk: bool = Field(description="A running clock due within a working day (as `sla=at_risk`)")


class ComplaintSummary(BaseModel):
    """A complaint as a list shows it to the caller: what a list row needs, cut like `GET /complaints/{id}`
    (the reporter only when their identity is visible to the caller, the assignee only for staff of the
    complaint, moderated photos only for its staff). The description, answers and history are in the full
    complaint."""

    id: UUID
    tracking_number: str
    title: str
    category: CategoryRef
    type: str
    status: str
    opd_code: str = Field(description="The perangkat daerah the complaint is routed to")
    location: Location | None
    kelurahan: Place | None
    kecamatan: Place | None
    reporter_id: UUID | None = Field(
        description="null when the reporter's identity is hidden from the caller"
    )
    assigned_officer_id: UUID | None = Field(default=None, description="Staff only")
    sla: SlaSummary
    follower_count: int
    photo_count: int
    photos: list[PhotoRead]
    created_at: datetime
    updated_at: datetime
    version: int


class ComplaintPage(BaseModel):
    """A page of complaints, each as a `ComplaintSummary` (`GET /complaints/{id}` for the whole complaint)."""

    items: list[ComplaintSummary]
    next_cursor: str | None = None


class SlaRisk(StrEnum):
    breached = "breached"  # its running clock is past due
    at_risk = "at_risk"  # its running clock is due within a working day


class Assignee(StrEnum):
    me = "me"
    none = "none"


class Cluster(BaseModel):
    """Complaints counted per cell group when there are too many points to draw."""

    lat: float
    long: float
    count: int


class Feature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any] = Field(examples=[{"type": "Point", "coordinates": [99.0687, 2.9595]}])
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    """GeoJSON (RFC 7946): points, or, beyond the cap, one point per cluster with `properties.count`."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
    clustered: bool = Field(description="True when the features are clusters, not complaints")
    total: int = Field(description="Complaints in the box (with coordinates)")


class Count(BaseModel):
    """A statistics cell: `count` is null and `suppressed` true when fewer than the threshold (privacy)."""

    key: str
    count: int | None
    suppressed: bool = False


class Stats(BaseModel):
    scope: str = Field(description="`public` (public complaints of the city) or an OPD code, or `all`")
    total: int | None
    by_status: list[Count]
    by_category: list[Count]
    by_opd: list[Count]
    by_kecamatan: list[Count]
    by_kelurahan: list[Count]
    by_month: list[Count]
    resolved: int | None = Field(description="Complaints resolved or closed with a resolution time")
    median_days_to_resolve: float | None = Field(description="Calendar days from submission to resolution")
    sla_compliance_rate: float | None = Field(
        description="Share of complaints whose current or last SLA clock is not breached (0-1)"
    )
    satisfaction_average: float | None = Field(description="Average rating (1-5) of rated complaints")
    suppression_threshold: int
    since: date | None
    until: date | None

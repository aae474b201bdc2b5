"""Answers of the list, map and statistics endpoints, and the filters they take."""

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from siantar_complaints.complaint.schemas import ComplaintRead


class ComplaintPage(BaseModel):
    """A page of complaints, each as `GET /complaints/{id}` shows it to the caller."""

    items: list[ComplaintRead]
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

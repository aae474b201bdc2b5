"""The public map: public complaints with coordinates inside a bounding box, as GeoJSON.

The box becomes one range of grid cells per row (`complaint.geo.cell_ranges`). The complaints of the box are
counted per cell from `complaint_cell_count` (public complaints with a point, per cell and state, kept by
triggers), at most one row per cell and state whatever the number of complaints; with `since`, they are counted
from the index on (report_visibility, geo_cell) instead. Up to `MAP_CAP` complaints are then drawn as points;
beyond that the cells are merged into about `CLUSTER_GRID` x `CLUSTER_GRID` groups, each one point (the
count-weighted centre of its cells) with its count. A box larger than the city is refused, which bounds the
work of one request.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse.exceptions import BoundingBoxTooLarge, InvalidBoundingBox
from siantar_complaints.browse.models import ComplaintCellCount
from siantar_complaints.browse.schemas import Feature, FeatureCollection
from siantar_complaints.complaint import geo, visibility
from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.states import Status
from siantar_shared.i18n import Text
from siantar_shared.schemas.types import SIANTAR_BBOX

MAP_CAP = 500
CLUSTER_GRID = 16
_SLACK = 1e-9  # floating-point tolerance when comparing a box with the city's


@dataclass(frozen=True, slots=True)
class BoundingBox:
    west: float
    south: float
    east: float
    north: float

    @classmethod
    def parse(cls, text: str) -> "BoundingBox":
        """`west,south,east,north` in WGS84 decimal degrees, no larger than the city's box."""
        parts = text.split(",")
        try:
            west, south, east, north = (float(part) for part in parts)
        except ValueError as exc:
            raise InvalidBoundingBox(
                Text("Tulis bbox sebagai barat,selatan,timur,utara", "Write bbox as west,south,east,north")
            ) from exc
        if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
            -180 <= west < east <= 180 and -90 <= south < north <= 90
        ):
            raise InvalidBoundingBox(
                Text(
                    "bbox harus barat < timur dan selatan < utara, dalam derajat",
                    "bbox needs west < east and south < north, in degrees",
                )
            )
        city_south, city_west, city_north, city_east = SIANTAR_BBOX
        if east - west > city_east - city_west + _SLACK or north - south > city_north - city_south + _SLACK:
            raise BoundingBoxTooLarge(
                Text("Perkecil peta: kotak melebihi luas kota", "Zoom in: the box is larger than the city")
            )
        return cls(west, south, east, north)

    def clipped_to_city(self) -> "BoundingBox | None":
        """The part of the box inside the city's box, or None if they do not meet."""
        city_south, city_west, city_north, city_east = SIANTAR_BBOX
        west, east = max(self.west, city_west), min(self.east, city_east)
        south, north = max(self.south, city_south), min(self.north, city_north)
        return BoundingBox(west, south, east, north) if west < east and south < north else None


def _filters(box: BoundingBox, status: list[Status], since: datetime | None) -> list[ColumnElement[bool]]:
    ranges = geo.cell_ranges(box.south, box.west, box.north, box.east)
    clauses = [
        visibility.only_public(),
        or_(*(Complaint.geo_cell.between(r.first, r.last) for r in ranges)),
    ]
    if status:
        clauses.append(Complaint.status.in_([s.value for s in status]))
    if since is not None:
        clauses.append(Complaint.created_at >= since)
    return clauses


async def features(
    session: AsyncSession, box: BoundingBox, *, status: list[Status], since: datetime | None
) -> FeatureCollection:
    """The public complaints of the box as points, or clustered counts when there are more than `MAP_CAP`."""
    inside = box.clipped_to_city()
    if inside is None:
        return FeatureCollection(features=[], clustered=False, total=0)
    clauses = _filters(inside, status, since)
    per_cell = await (
        _scan_counts(session, clauses) if since is not None else _cell_counts(session, inside, status)
    )
    total = sum(per_cell.values())
    if total > MAP_CAP:
        return FeatureCollection(features=_clusters(per_cell, inside), clustered=True, total=total)
    return FeatureCollection(features=await _points(session, clauses, box), clustered=False, total=total)


async def _cell_counts(session: AsyncSession, box: BoundingBox, status: list[Status]) -> dict[int, int]:
    ranges = geo.cell_ranges(box.south, box.west, box.north, box.east)
    cell = ComplaintCellCount.geo_cell
    statement = (
        select(cell, func.sum(ComplaintCellCount.count))
        .where(or_(*(cell.between(r.first, r.last) for r in ranges)))
        .group_by(cell)
    )
    if status:
        statement = statement.where(ComplaintCellCount.status.in_([s.value for s in status]))
    rows = await session.execute(statement)
    return {int(c): int(n) for c, n in rows.all() if n}


async def _scan_counts(session: AsyncSession, clauses: list[ColumnElement[bool]]) -> dict[int, int]:
    rows = await session.execute(
        select(Complaint.geo_cell, func.count()).where(and_(*clauses)).group_by(Complaint.geo_cell)
    )
    return {int(c): int(n) for c, n in rows.all() if c is not None}


async def _points(
    session: AsyncSession, clauses: list[ColumnElement[bool]], box: BoundingBox
) -> list[Feature]:
    statement = (
        select(
            Complaint.id,
            Complaint.tracking_number,
            Complaint.title,
            Complaint.category_code,
            Complaint.status,
            Complaint.latitude,
            Complaint.longitude,
            Complaint.created_at,
        )
        .where(and_(*clauses))
        .where(Complaint.latitude.between(box.south, box.north))
        .where(Complaint.longitude.between(box.west, box.east))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(MAP_CAP)
    )
    # unpacked by position: a SQLAlchemy Row read by attribute costs ~0.8 µs a field (browse.service.ListedRow)
    return [
        Feature(
            id=str(complaint_id),
            geometry={"type": "Point", "coordinates": [longitude, latitude]},
            properties={
                "tracking_number": tracking_number,
                "title": title,
                "category_code": category_code,
                "status": status,
                "created_at": created_at.isoformat(),
            },
        )
        for complaint_id, tracking_number, title, category_code, status, latitude, longitude, created_at in (
            await session.execute(statement)
        ).all()
    ]


def _clusters(per_cell: dict[int, int], box: BoundingBox) -> list[Feature]:
    """Cells merged into about CLUSTER_GRID x CLUSTER_GRID groups; each group's point is its cells' centre,
    weighted by their counts."""
    first_row, first_column = divmod(geo.cell_of(box.south, box.west), geo.ROW_STRIDE)
    last_row, last_column = divmod(geo.cell_of(box.north, box.east), geo.ROW_STRIDE)
    row_step = max(1, math.ceil((last_row - first_row + 1) / CLUSTER_GRID))
    column_step = max(1, math.ceil((last_column - first_column + 1) / CLUSTER_GRID))
    groups: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for cell, count in per_cell.items():
        row, column = divmod(cell, geo.ROW_STRIDE)
        group = groups[((row - first_row) // row_step, (column - first_column) // column_step)]
        group[0] += count
        group[1] += count * ((row + 0.5) * geo.CELL_DEGREES - 90.0)
        group[2] += count * ((column + 0.5) * geo.CELL_DEGREES - 180.0)
    return [
        Feature(
            id=f"cluster-{key[0]}-{key[1]}",
            geometry={"type": "Point", "coordinates": [round(lon / n, 6), round(lat / n, 6)]},
            properties={"cluster": True, "count": int(n)},
        )
        for key, (n, lat, lon) in sorted(groups.items())
    ]

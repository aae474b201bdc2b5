"""Suggested duplicates: open public complaints of the same category within `DUPLICATE_RADIUS_M` of a point,
submitted in the last `DUPLICATE_WINDOW_DAYS` days, nearest first. Served by the (category, grid cell, created)
index: the 3 x 3 cells around the point, then exact distances."""

from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint import geo
from siantar_complaints.complaint.models import Complaint
from siantar_complaints.complaint.schemas import DuplicateSuggestion
from siantar_complaints.complaint.states import OPEN_STATES, Status
from siantar_complaints.complaint.visibility import only_public
from siantar_shared.db import read_rows

CANDIDATE_CAP = 200  # nearest of at most this many recent candidates in the 9 cells


class _Candidate(NamedTuple):
    """The columns a suggestion needs: candidates are read as rows, not as whole complaints (a submission met
    ~60 of them in the bench, 1.5 ms of ORM loading and JSON decoding; bench/complaints/README.md)."""

    id: UUID
    tracking_number: str
    title: str
    status: str
    created_at: datetime
    follower_count: int
    latitude: float | None
    longitude: float | None


_CANDIDATE = tuple(Complaint.__table__.c[name] for name in _Candidate._fields)

SUGGESTABLE = sorted({*OPEN_STATES, Status.resolved})
# built once, values bound per call (db.read_rows): SQLAlchemy works its cache key out once
_CANDIDATES = (
    select(*_CANDIDATE)
    .where(
        Complaint.category_code == bindparam("category"),
        Complaint.geo_cell.in_(bindparam("cells", expanding=True)),
        Complaint.created_at >= bindparam("since", type_=Complaint.created_at.type),
        Complaint.status.in_([s.value for s in SUGGESTABLE]),
        only_public(),
    )
    .order_by(Complaint.created_at.desc())
    .limit(CANDIDATE_CAP)
)
_CANDIDATES_BUT_ONE = _CANDIDATES.where(Complaint.id != bindparam("exclude"))


async def suggest(
    session: AsyncSession,
    *,
    category_code: str,
    latitude: float,
    longitude: float,
    now: datetime,
    radius_m: float,
    window_days: int,
    limit: int,
    exclude: UUID | None = None,
) -> list[DuplicateSuggestion]:
    if limit == 0:
        return []
    params = {
        "category": category_code,
        "cells": geo.neighbourhood(latitude, longitude),
        "since": now - timedelta(days=window_days),
    }
    statement = _CANDIDATES
    if exclude is not None:
        statement, params["exclude"] = _CANDIDATES_BUT_ONE, exclude
    near: list[tuple[float, _Candidate]] = []
    for candidate in await read_rows(session, statement, _Candidate._make, params):
        if candidate.latitude is None or candidate.longitude is None:
            continue
        distance = geo.distance_m(latitude, longitude, candidate.latitude, candidate.longitude)
        if distance <= radius_m:
            near.append((distance, candidate))
    near.sort(key=lambda pair: pair[0])
    return [
        DuplicateSuggestion(
            id=c.id,
            tracking_number=c.tracking_number,
            title=c.title,
            status=c.status,
            distance_m=round(d, 1),
            created_at=c.created_at,
            follower_count=c.follower_count,
        )
        for d, c in near[:limit]
    ]

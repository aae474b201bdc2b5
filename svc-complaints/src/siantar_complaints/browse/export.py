"""Open data: public complaints as CSV, a page at a time (keyset, oldest first), without personal data.

Columns carry no person: no reporter, no assignee, no description or address text (free text where people write
names and phone numbers), and the point rounded to 3 decimals (about 110 m), the grid's own resolution. A cell
starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a spreadsheet never runs it
as a formula (CSV injection).
"""

import csv
import io
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.browse.service import PublicFilters
from siantar_complaints.complaint import visibility
from siantar_complaints.complaint.models import Complaint
from siantar_shared.pagination import CursorParams, SortKey, paginate

COLUMNS = (
    "tracking_number",
    "created_at",
    "type",
    "category_code",
    "status",
    "opd_code",
    "kecamatan_code",
    "kelurahan_code",
    "latitude",
    "longitude",
    "title",
    "resolved_at",
    "closed_at",
    "rating",
)
OLDEST_FIRST = (
    SortKey(Complaint.created_at.expression, descending=False),
    SortKey(Complaint.id.expression, descending=False),
)
MAX_ROWS = 10_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A CSV cell that no spreadsheet evaluates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


async def page(session: AsyncSession, params: CursorParams, filters: PublicFilters) -> tuple[str, str | None]:
    """One CSV page (with its header row) and the cursor of the next one."""
    clauses = [visibility.only_public()]
    if filters.status:
        clauses.append(Complaint.status.in_([s.value for s in filters.status]))
    if filters.category is not None:
        clauses.append(Complaint.category_code == filters.category)
    if filters.kecamatan is not None:
        clauses.append(Complaint.kecamatan_code == filters.kecamatan)
    if filters.kelurahan is not None:
        clauses.append(Complaint.kelurahan_code == filters.kelurahan)
    if filters.since is not None:
        clauses.append(Complaint.created_at >= filters.since)
    rows, cursor = await paginate(session, select(Complaint).where(and_(*clauses)), params, OLDEST_FIRST)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(getattr(row, column)) for column in COLUMNS])
    return buffer.getvalue(), cursor

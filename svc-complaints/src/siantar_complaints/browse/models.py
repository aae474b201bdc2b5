"""Indexes the list, map and search queries need beyond those of the complaint table, and the search objects
the migration builds that no model describes (see `browse.search`)."""

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.db import Base
from siantar_shared.migrations import UNMODELLED

# an OPD's whole queue, newest first, whatever the state (ix_complaint_opd_status_created serves one state)
OPD_CREATED = Index("ix_complaint_opd_created", Complaint.opd_code, Complaint.created_at, Complaint.id)
# the public map: public complaints of a range of grid cells, counted from the index alone
VISIBILITY_CELL = Index("ix_complaint_visibility_cell", Complaint.report_visibility, Complaint.geo_cell)

SEARCH_INDEX = "ix_complaint_search"  # PostgreSQL: GIN on the search document
SEARCH_DOCUMENT = "search_document"  # PostgreSQL: a stored generated tsvector column of `complaint`
TERM_POSTINGS = ("complaint_term", "pk_complaint_term")  # PostgreSQL: the words of public complaints
FTS_TABLE = "complaint_fts"  # SQLite: FTS5 virtual table
FTS_OBJECTS = frozenset(
    {FTS_TABLE, *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "content", "docsize", "config"))}
)
Base.metadata.info.setdefault(UNMODELLED, set()).update(
    {SEARCH_INDEX, SEARCH_DOCUMENT, *TERM_POSTINGS, *FTS_OBJECTS}
)


class ComplaintCellCount(Base):
    """How many public complaints with a point are in each grid cell, per state: kept by triggers on
    `complaint` (migration `create_complaint_cell_count`), so that the map counts a box from at most one row
    per cell and state, however many complaints there are."""

    __tablename__ = "complaint_cell_count"

    geo_cell: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


__all__ = ["OPD_CREATED", "VISIBILITY_CELL", "ComplaintCellCount"]

"""Indexes the list, map and search queries need beyond those of the complaint table, and the search objects
the migration builds that no model describes (see `browse.search`)."""

from sqlalchemy import Index

from siantar_complaints.complaint.models import Complaint
from siantar_complaints.db import Base
from siantar_shared.migrations import UNMODELLED

# an OPD's whole queue, newest first, whatever the state (ix_complaint_opd_status_created serves one state)
OPD_CREATED = Index("ix_complaint_opd_created", Complaint.opd_code, Complaint.created_at, Complaint.id)
# the public map: public complaints of a range of grid cells, counted from the index alone
VISIBILITY_CELL = Index("ix_complaint_visibility_cell", Complaint.report_visibility, Complaint.geo_cell)

SEARCH_INDEX = "ix_complaint_search"  # PostgreSQL: GIN on the title and description's tsvector
FTS_TABLE = "complaint_fts"  # SQLite: FTS5 virtual table
FTS_OBJECTS = frozenset(
    {FTS_TABLE, *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "content", "docsize", "config"))}
)
Base.metadata.info.setdefault(UNMODELLED, set()).update({SEARCH_INDEX, *FTS_OBJECTS})

__all__ = ["OPD_CREATED", "VISIBILITY_CELL"]

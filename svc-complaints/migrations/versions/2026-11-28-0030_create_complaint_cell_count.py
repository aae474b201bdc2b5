"""create complaint cell count and stored search document

The map counts a box from `complaint_cell_count` (public complaints with a point, per grid cell and state), kept
by triggers on `complaint`, instead of counting complaints: its cost no longer grows with their number. On
PostgreSQL the search document becomes a stored generated column with its GIN index, so that a search ordered
by time checks each row without computing its tsvector again.

Revision ID: 7a9e3c5b1d20
Revises: 5d2f9a7c1e34
Create Date: 2026-11-28 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a9e3c5b1d20"
down_revision: str | None = "5d2f9a7c1e34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUALIFIES = "{row}.report_visibility = 'public' AND {row}.geo_cell IS NOT NULL"
BACKFILL = (
    "INSERT INTO complaint_cell_count (geo_cell, status, count) "
    "SELECT geo_cell, status, count(*) FROM complaint "
    "WHERE report_visibility = 'public' AND geo_cell IS NOT NULL GROUP BY geo_cell, status"
)
PG_FUNCTION = """
CREATE FUNCTION complaint_cell_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.report_visibility = 'public' AND OLD.geo_cell IS NOT NULL THEN
        UPDATE complaint_cell_count SET count = count - 1 WHERE geo_cell = OLD.geo_cell AND status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.report_visibility = 'public' AND NEW.geo_cell IS NOT NULL THEN
        INSERT INTO complaint_cell_count (geo_cell, status, count) VALUES (NEW.geo_cell, NEW.status, 1)
        ON CONFLICT (geo_cell, status) DO UPDATE SET count = complaint_cell_count.count + 1;
    END IF;
    RETURN NULL;
END
$$
"""
PG_TRIGGERS = [
    (
        "CREATE TRIGGER complaint_cell_count_insert AFTER INSERT OR DELETE ON complaint "
        "FOR EACH ROW EXECUTE FUNCTION complaint_cell_count_sync()"
    ),
    (
        "CREATE TRIGGER complaint_cell_count_update AFTER UPDATE OF report_visibility, geo_cell, status "
        "ON complaint FOR EACH ROW EXECUTE FUNCTION complaint_cell_count_sync()"
    ),
]
_SQLITE_ADD = (
    "INSERT INTO complaint_cell_count (geo_cell, status, count) VALUES (new.geo_cell, new.status, 1) "
    "ON CONFLICT (geo_cell, status) DO UPDATE SET count = count + 1;"
)
_SQLITE_REMOVE = (
    "UPDATE complaint_cell_count SET count = count - 1 WHERE geo_cell = old.geo_cell AND status = old.status;"
)
SQLITE_TRIGGERS = [
    (
        f"CREATE TRIGGER complaint_cell_count_insert AFTER INSERT ON complaint "
        f"WHEN {QUALIFIES.format(row='new')} BEGIN {_SQLITE_ADD} END"
    ),
    (
        f"CREATE TRIGGER complaint_cell_count_delete AFTER DELETE ON complaint "
        f"WHEN {QUALIFIES.format(row='old')} BEGIN {_SQLITE_REMOVE} END"
    ),
    (
        f"CREATE TRIGGER complaint_cell_count_update_old AFTER UPDATE OF report_visibility, geo_cell, status "
        f"ON complaint WHEN {QUALIFIES.format(row='old')} BEGIN {_SQLITE_REMOVE} END"
    ),
    (
        f"CREATE TRIGGER complaint_cell_count_update_new AFTER UPDATE OF report_visibility, geo_cell, status "
        f"ON complaint WHEN {QUALIFIES.format(row='new')} BEGIN {_SQLITE_ADD} END"
    ),
]
PG_SEARCH = [
    "DROP INDEX ix_complaint_search",
    (
        "ALTER TABLE complaint ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
        "(to_tsvector('simple'::regconfig, (title || ' ') || description)) STORED"
    ),
    "CREATE INDEX ix_complaint_search ON complaint USING gin (search_document)",
]
PG_SEARCH_DOWN = [
    "DROP INDEX ix_complaint_search",
    "ALTER TABLE complaint DROP COLUMN search_document",
    (
        "CREATE INDEX ix_complaint_search ON complaint "
        "USING gin (to_tsvector('simple'::regconfig, (title || ' ') || description))"
    ),
]


def upgrade() -> None:
    op.create_table(
        "complaint_cell_count",
        sa.Column("geo_cell", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("geo_cell", "status", name=op.f("pk_complaint_cell_count")),
    )
    op.execute(BACKFILL)
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(PG_FUNCTION)
    for statement in PG_TRIGGERS + PG_SEARCH if postgres else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_SEARCH_DOWN:
            op.execute(statement)
        for trigger in ("complaint_cell_count_insert", "complaint_cell_count_update"):
            op.execute(f"DROP TRIGGER {trigger} ON complaint")
        op.execute("DROP FUNCTION complaint_cell_count_sync()")
    else:
        for suffix in ("insert", "delete", "update_old", "update_new"):
            op.execute(f"DROP TRIGGER complaint_cell_count_{suffix}")
    op.drop_table("complaint_cell_count")

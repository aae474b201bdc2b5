"""create complaint term postings (PostgreSQL)

The words of each public complaint (the lexemes of its search document) in a B-tree ordered by (term,
created_at, id), kept by a trigger: a search reads one word's postings newest first and stops after a page,
so its cost is log n plus the page, whatever the word's frequency (GIN alone either fetches every match or
lets the planner scan the table by time, depending on estimates that are wrong for rare words). SQLite keeps
its FTS5 table. Not described by a model (`browse.models` lists it as unmodelled).

Revision ID: 2b6d8e4f9a17
Revises: 3e7a1c55d0b2
Create Date: 2026-11-28 00:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2b6d8e4f9a17"
down_revision: str | None = "3e7a1c55d0b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE = [
    (
        "CREATE TABLE complaint_term (term text NOT NULL, created_at timestamptz NOT NULL, complaint_id uuid NOT NULL, "
        "CONSTRAINT pk_complaint_term PRIMARY KEY (term, created_at, complaint_id))"
    ),
    (
        "INSERT INTO complaint_term (term, created_at, complaint_id) "
        "SELECT DISTINCT unnest(tsvector_to_array(search_document)), created_at, id FROM complaint "
        "WHERE report_visibility = 'public'"
    ),
    """
CREATE FUNCTION complaint_term_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM complaint_term WHERE complaint_id = OLD.id
            AND term = ANY (tsvector_to_array(OLD.search_document)) AND created_at = OLD.created_at;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.report_visibility = 'public' THEN
        INSERT INTO complaint_term (term, created_at, complaint_id)
        SELECT DISTINCT unnest(tsvector_to_array(NEW.search_document)), NEW.created_at, NEW.id;
    END IF;
    RETURN NULL;
END
$$
""",
    (
        "CREATE TRIGGER complaint_term_insert AFTER INSERT OR DELETE ON complaint "
        "FOR EACH ROW EXECUTE FUNCTION complaint_term_sync()"
    ),
    (
        "CREATE TRIGGER complaint_term_update AFTER UPDATE OF title, description, report_visibility, created_at "
        "ON complaint FOR EACH ROW EXECUTE FUNCTION complaint_term_sync()"
    ),
]
DOWNGRADE = [
    "DROP TRIGGER complaint_term_update ON complaint",
    "DROP TRIGGER complaint_term_insert ON complaint",
    "DROP FUNCTION complaint_term_sync()",
    "DROP TABLE complaint_term",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DOWNGRADE:
            op.execute(statement)

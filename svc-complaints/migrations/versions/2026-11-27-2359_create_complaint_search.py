"""create complaint search and browse indexes

Full-text search: on PostgreSQL a GIN index on the title and description's tsvector ('simple' configuration:
lower-cased words, no stemming); on SQLite an FTS5 table kept in sync with `complaint` by triggers. Neither is
described by a model (`siantar_complaints.browse.models` lists them as unmodelled). Plus the OPD queue and map
indexes of `browse.models`.

Revision ID: 8c41d0e7b2a9
Revises: 49105510b61f
Create Date: 2026-11-27 23:59:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8c41d0e7b2a9"
down_revision: str | None = "49105510b61f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_SEARCH_INDEX = (
    "CREATE INDEX ix_complaint_search ON complaint "
    "USING gin (to_tsvector('simple'::regconfig, (title || ' ') || description))"
)
SQLITE_FTS = [
    (
        "CREATE VIRTUAL TABLE complaint_fts USING fts5("
        "complaint_id UNINDEXED, title, description, tokenize = 'unicode61 remove_diacritics 2')"
    ),
    "INSERT INTO complaint_fts (complaint_id, title, description) SELECT id, title, description FROM complaint",
    (
        "CREATE TRIGGER complaint_fts_insert AFTER INSERT ON complaint BEGIN "
        "INSERT INTO complaint_fts (complaint_id, title, description) "
        "VALUES (new.id, new.title, new.description); END"
    ),
    (
        "CREATE TRIGGER complaint_fts_update AFTER UPDATE OF title, description ON complaint BEGIN "
        "DELETE FROM complaint_fts WHERE complaint_id = old.id; "
        "INSERT INTO complaint_fts (complaint_id, title, description) "
        "VALUES (new.id, new.title, new.description); END"
    ),
    (
        "CREATE TRIGGER complaint_fts_delete AFTER DELETE ON complaint BEGIN "
        "DELETE FROM complaint_fts WHERE complaint_id = old.id; END"
    ),
]


def upgrade() -> None:
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_opd_created", ["opd_code", "created_at", "id"], unique=False)
        batch_op.create_index("ix_complaint_visibility_cell", ["report_visibility", "geo_cell"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_SEARCH_INDEX)
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_complaint_search")
    else:
        for trigger in ("complaint_fts_insert", "complaint_fts_update", "complaint_fts_delete"):
            op.execute(f"DROP TRIGGER {trigger}")
        op.execute("DROP TABLE complaint_fts")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_visibility_cell")
        batch_op.drop_index("ix_complaint_opd_created")

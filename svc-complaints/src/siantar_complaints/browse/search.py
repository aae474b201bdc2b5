"""Full-text search of complaints' title and description, served by an index on both databases.

- PostgreSQL: a stored generated column `search_document` = `to_tsvector('simple', title || ' ' ||
  description)` with a GIN index (no model describes it: `browse.models` lists it as unmodelled); the query is a prefix `tsquery` of the words, all of which must match. The
  `simple` configuration only lower-cases: no stemming, which would be wrong for Bahasa Indonesia anyway.
- SQLite: an FTS5 table `complaint_fts` (complaint id, title, description) kept in sync by triggers, with the
  `unicode61` tokenizer removing diacritics.

The query text is cut into words here (letters and digits only, case-folded, accents removed), so no FTS or
tsquery syntax from the caller ever reaches the database, and an empty query is refused before it gets there.
"""

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, literal_column, select, table, text

from siantar_complaints.complaint.models import Complaint

MAX_TERMS = 8
MAX_TERM_LENGTH = 64
_WORD = re.compile(r"\w+")
# PostgreSQL: the stored generated column (migration create_complaint_cell_count), GIN-indexed
PG_DOCUMENT = "complaint.search_document"


def terms(query: str) -> list[str]:
    """The words of a query: case-folded, without diacritics, at most `MAX_TERMS` of them."""
    decomposed = unicodedata.normalize("NFKD", query.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = [word.replace("_", "") for word in _WORD.findall(plain)]
    unique = list(dict.fromkeys(word[:MAX_TERM_LENGTH] for word in words if word))
    return unique[:MAX_TERMS]


def matches(dialect: str, words: list[str]) -> ColumnElement[bool]:
    """Complaints whose title or description has every word (each as a prefix)."""
    if not words:
        raise ValueError("a search needs at least one word")
    if dialect == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in words)
        clause = text(f"{PG_DOCUMENT} @@ to_tsquery('simple'::regconfig, :search_tsquery)")
        return and_(clause.bindparams(search_tsquery=tsquery))
    fts_query = " AND ".join(f'"{word}"*' for word in words)
    fts = table("complaint_fts", literal_column("complaint_id"))
    ids: Select[Any] = (
        select(literal_column("complaint_id"))
        .select_from(fts)
        .where(text("complaint_fts MATCH :search_match").bindparams(search_match=fts_query))
    )
    return Complaint.id.in_(ids)

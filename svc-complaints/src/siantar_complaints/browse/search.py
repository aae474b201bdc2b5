"""Full-text search of complaints' title and description: whole words, all of which must appear (case and, on
SQLite, accents do not matter), served by an index on both databases.

- PostgreSQL: `complaint_term` holds the words (lexemes of the stored `search_document`, 'simple'
  configuration: lower-cased, no stemming, which would be wrong for Bahasa Indonesia anyway) of every public
  complaint, ordered by (term, created_at, id) and kept by a trigger. A search reads the postings of its
  rarest word newest first, checks the other words on the complaint's document, and stops after a page: log n
  plus the page, never a scan of the table or of every match. The rarest word is found by counting at most
  `PROBE` postings of each.
- SQLite: an FTS5 table `complaint_fts` (complaint id, title, description) kept in sync by triggers, with the
  `unicode61` tokenizer removing diacritics.

The query text is cut into words here (letters and digits only, case-folded, accents removed), so no FTS or
tsquery syntax from the caller ever reaches the database, and an empty query is refused before it gets there.
"""

import re
import unicodedata
from typing import Any

from sqlalchemy import Select, Uuid, and_, column, func, literal_column, select, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from siantar_complaints.complaint.models import Complaint
from siantar_shared.db import UTCDateTime
from siantar_shared.pagination import SortKey

MAX_TERMS = 8
MAX_TERM_LENGTH = 64
PROBE = 2000  # postings counted per word to find the rarest
_WORD = re.compile(r"\w+")
TERMS = table(
    "complaint_term", column("term"), column("created_at", UTCDateTime()), column("complaint_id", Uuid())
)
# a search page is ordered by the postings' own (created_at, id): equal to the complaint's by construction, so
# its cursors are those of the other lists, and the index is read in order (a join on both columns would be
# estimated at one row and sorted instead)
POSTINGS_NEWEST_FIRST = (
    SortKey(TERMS.c.created_at, descending=True),
    SortKey(TERMS.c.complaint_id.label("id"), descending=True),
)
FTS = table("complaint_fts", literal_column("complaint_id"))


def terms(query: str) -> list[str]:
    """The words of a query: case-folded, without diacritics, at most `MAX_TERMS` of them."""
    decomposed = unicodedata.normalize("NFKD", query.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = [word.replace("_", "") for word in _WORD.findall(plain)]
    unique = list(dict.fromkeys(word[:MAX_TERM_LENGTH] for word in words if word))
    return unique[:MAX_TERMS]


async def restrict(
    session: AsyncSession, statement: Select[Any], words: list[str], newest_first: tuple[SortKey, ...]
) -> tuple[Select[Any], tuple[SortKey, ...]]:
    """`statement` (of complaints) limited to those with every word, and the keys to page it newest first."""
    if not words:
        raise ValueError("a search needs at least one word")
    if session.get_bind().dialect.name != "postgresql":
        fts_query = " AND ".join(f'"{word}"' for word in words)
        matching: Select[Any] = (
            select(literal_column("complaint_id"))
            .select_from(FTS)
            .where(text("complaint_fts MATCH :search_match").bindparams(search_match=fts_query))
        )
        return statement.where(Complaint.id.in_(matching)), newest_first
    driver = await _rarest(session, words)
    statement = statement.join(TERMS, TERMS.c.complaint_id == Complaint.id).where(TERMS.c.term == driver)
    others = [word for word in words if word != driver]
    if others:
        document = text("complaint.search_document @@ to_tsquery('simple'::regconfig, :search_tsquery)")
        statement = statement.where(and_(document.bindparams(search_tsquery=" & ".join(others))))
    return statement, POSTINGS_NEWEST_FIRST


async def _rarest(session: AsyncSession, words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    counts: dict[str, int] = {}
    for word in words:
        postings = select(TERMS.c.term).where(TERMS.c.term == word).limit(PROBE).subquery()
        counts[word] = int((await session.execute(select(func.count()).select_from(postings))).scalar_one())
    return min(words, key=lambda word: counts[word])
